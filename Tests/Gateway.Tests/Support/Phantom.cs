using System.Globalization;
using DicomKit.Data;
using DicomKit.IO;

namespace Gateway.Tests.Support;

/// <summary>
/// A synthetic CT series whose every region has a known Hounsfield value, so a test can predict the gray level the
/// viewer must draw at any point and tell which slice is on screen.
/// </summary>
/// <remarks>
/// Each slice is 256 x 256, signed 16-bit, stored value = HU + 1024 (Rescale Slope 1, Intercept -1024), window
/// W 400 / L 40. Rows and columns count from the top-left corner; every region is a half-open square
/// [first, first + size) in both directions, drawn in this order (later ones on top):
/// <list type="table">
/// <item><term>air</term><description>the whole slice, -1000 HU</description></item>
/// <item><term>water</term><description>rows and columns 48..207 (160 x 160, centred), 0 HU</description></item>
/// <item><term>bone</term><description>rows and columns 12..71 (60 x 60, top-left quadrant), +1000 HU</description></item>
/// <item><term>marker</term><description>rows and columns 212..251 (40 x 40, bottom-right, on air), HU = <see cref="MarkerHu"/> of the slice index</description></item>
/// </list>
/// The marker's values, -150 + 10 (k mod 40), lie inside the default window, so the gray levels of consecutive
/// slices differ by about 6.4 at W 400 / L 40. Slice k (0-based, Instance Number k + 1) sits at z = k * spacing.
/// </remarks>
public static class Phantom
{
    public const int Size = 256;
    public const double WindowCenter = 40;
    public const double WindowWidth = 400;
    public const double PixelSpacing = 0.8;
    public const double SliceSpacing = 2.5;
    public const string PatientName = "Phantom^Water Bone";
    public const string PatientId = "PHANTOM-001";
    public const string StudyDate = "20261125";
    public const string StudyDescription = "CT phantom: air, water, bone, slice marker";
    public const string SeriesDescription = "Phantom axial";

    public const int AirHu = -1000;
    public const int WaterHu = 0;
    public const int BoneHu = 1000;

    public static readonly Region Water = new(48, 160);
    public static readonly Region Bone = new(12, 60);
    public static readonly Region Marker = new(212, 40);

    /// <summary>A region of air only, away from the others (top-right corner), to sample the background.</summary>
    public static readonly Region Air = new Region(0, 40) with { FirstColumn = 212 };

    /// <summary>A square region of the slice; <see cref="Center"/> is the image point (column, row) at its middle.</summary>
    public readonly record struct Region(int First, int Length)
    {
        public int FirstColumn { get; init; } = First;
        public (double Column, double Row) Center => (FirstColumn + Length / 2.0, First + Length / 2.0);
        public bool Contains(int row, int column) => row >= First && row < First + Length && column >= FirstColumn && column < FirstColumn + Length;
    }

    public static int MarkerHu(int slice) => -150 + 10 * (slice % 40);

    /// <summary>The HU at (row, column) of slice <paramref name="slice"/>.</summary>
    public static int HuAt(int slice, int row, int column) =>
        Marker.Contains(row, column) ? MarkerHu(slice)
        : Bone.Contains(row, column) ? BoneHu
        : Water.Contains(row, column) ? WaterHu
        : AirHu;

    /// <summary>
    /// The 8-bit gray level of <paramref name="hu"/> under the linear VOI function of PS3.3 C.11.2.1.2.1 for a
    /// window of centre <paramref name="center"/> and width <paramref name="width"/> (MONOCHROME2, not inverted).
    /// Viewers round differently; compare with a tolerance of a few levels.
    /// </summary>
    public static double ExpectedGray(double hu, double center = WindowCenter, double width = WindowWidth)
    {
        var low = center - 0.5 - (width - 1) / 2;
        var high = center - 0.5 + (width - 1) / 2;
        if (hu <= low) return 0;
        if (hu > high) return 255;
        return ((hu - (center - 0.5)) / (width - 1) + 0.5) * 255;
    }

    /// <summary>The UIDs of one phantom study; a distinct <paramref name="root"/> per study keeps studies apart.</summary>
    public sealed record Uids(string Root)
    {
        public string Study => Root + ".1";
        public string Series => Root + ".1.1";
        public string FrameOfReference => Root + ".1.2";
        public string Instance(int slice) => Root + ".1.1." + (slice + 1).ToString(CultureInfo.InvariantCulture);
    }

    public static Uids DefaultUids { get; } = new("1.2.826.0.1.3680043.10.1234.77");

    /// <summary>Writes <paramref name="slices"/> slices (Explicit VR Little Endian) and returns their paths in slice order.</summary>
    public static List<string> Write(string directory, int slices = 40, Uids? uids = null)
    {
        uids ??= DefaultUids;
        return Enumerable.Range(0, slices).Select(k => WriteSlice(directory, k, uids, eightBit: false)).ToList();
    }

    /// <summary>
    /// One slice with 8-bit unsigned pixels (stored = (HU + 1024) / 8, clamped; Rescale Slope 8), for JPEG
    /// Baseline, which carries 8-bit samples only. The same regions and window apply.
    /// </summary>
    public static string WriteEightBit(string directory, int slice, Uids uids) => WriteSlice(directory, slice, uids, eightBit: true);

    private static string WriteSlice(string directory, int slice, Uids uids, bool eightBit)
    {
        Directory.CreateDirectory(directory);
        var ds = new DicomDataset();
        ds.AddOrUpdate(Tags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        ds.AddOrUpdate(Tags.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL");
        ds.AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, DicomUids.CTImageStorage.Value);
        ds.AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, uids.Instance(slice));
        ds.AddOrUpdate(Tags.StudyDate, DicomVR.DA, StudyDate);
        ds.AddOrUpdate(Tags.StudyTime, DicomVR.TM, "101500");
        ds.AddOrUpdate(Tags.AccessionNumber, DicomVR.SH, "ACC-PH-1");
        ds.AddOrUpdate(Tags.Modality, DicomVR.CS, "CT");
        ds.AddOrUpdate(Tags.StudyDescription, DicomVR.LO, StudyDescription);
        ds.AddOrUpdate(Tags.SeriesDescription, DicomVR.LO, SeriesDescription);
        ds.AddOrUpdate(Tags.PatientName, DicomVR.PN, PatientName);
        ds.AddOrUpdate(Tags.PatientID, DicomVR.LO, PatientId);
        ds.AddOrUpdate(Tags.PatientBirthDate, DicomVR.DA, "19700101");
        ds.AddOrUpdate(Tags.PatientSex, DicomVR.CS, "O");
        ds.AddOrUpdate(Tags.SliceThickness, DicomVR.DS, Ds(SliceSpacing));
        ds.AddOrUpdate(Tags.StudyInstanceUID, DicomVR.UI, uids.Study);
        ds.AddOrUpdate(Tags.SeriesInstanceUID, DicomVR.UI, uids.Series);
        ds.AddOrUpdate(Tags.StudyID, DicomVR.SH, "1");
        ds.AddOrUpdate(Tags.SeriesNumber, DicomVR.IS, "1");
        ds.AddOrUpdate(Tags.InstanceNumber, DicomVR.IS, (slice + 1).ToString(CultureInfo.InvariantCulture));
        // The patient's left-posterior corner of the first row at the origin; rows run +x, columns +y, slices +z.
        ds.AddOrUpdate(Tags.ImagePositionPatient, DicomVR.DS, "0", "0", Ds(slice * SliceSpacing));
        ds.AddOrUpdate(Tags.ImageOrientationPatient, DicomVR.DS, "1", "0", "0", "0", "1", "0");
        ds.AddOrUpdate(Tags.FrameOfReferenceUID, DicomVR.UI, uids.FrameOfReference);
        ds.AddOrUpdate<ushort>(Tags.SamplesPerPixel, DicomVR.US, 1);
        ds.AddOrUpdate(Tags.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
        ds.AddOrUpdate<ushort>(Tags.Rows, DicomVR.US, Size);
        ds.AddOrUpdate<ushort>(Tags.Columns, DicomVR.US, Size);
        ds.AddOrUpdate(Tags.PixelSpacing, DicomVR.DS, Ds(PixelSpacing), Ds(PixelSpacing));
        var bits = eightBit ? (ushort)8 : (ushort)16;
        ds.AddOrUpdate(Tags.BitsAllocated, DicomVR.US, bits);
        ds.AddOrUpdate(Tags.BitsStored, DicomVR.US, bits);
        ds.AddOrUpdate(Tags.HighBit, DicomVR.US, (ushort)(bits - 1));
        ds.AddOrUpdate(Tags.PixelRepresentation, DicomVR.US, eightBit ? (ushort)0 : (ushort)1);
        ds.AddOrUpdate(Tags.WindowCenter, DicomVR.DS, Ds(WindowCenter));
        ds.AddOrUpdate(Tags.WindowWidth, DicomVR.DS, Ds(WindowWidth));
        ds.AddOrUpdate(Tags.RescaleIntercept, DicomVR.DS, "-1024");
        ds.AddOrUpdate(Tags.RescaleSlope, DicomVR.DS, eightBit ? "8" : "1");
        ds.AddOrUpdate(Tags.RescaleType, DicomVR.LO, "HU");
        if (eightBit)
        {
            var pixels = new byte[Size * Size];
            for (var r = 0; r < Size; r++)
                for (var c = 0; c < Size; c++)
                    pixels[r * Size + c] = (byte)Math.Clamp((HuAt(slice, r, c) + 1024) / 8, 0, 255);
            ds.AddOrUpdate(Tags.PixelData, DicomVR.OB, pixels);
        }
        else
        {
            var pixels = new short[Size * Size];
            for (var r = 0; r < Size; r++)
                for (var c = 0; c < Size; c++)
                    pixels[r * Size + c] = (short)(HuAt(slice, r, c) + 1024);
            ds.AddOrUpdate(Tags.PixelData, DicomVR.OW, pixels);
        }
        var path = Path.Combine(directory, (eightBit ? "ct8-" : "ct-") + (slice + 1).ToString("D4", CultureInfo.InvariantCulture) + ".dcm");
        new DicomFile(ds, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        return path;
    }

    private static string Ds(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
