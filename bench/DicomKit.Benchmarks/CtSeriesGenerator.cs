using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Benchmarks;

/// <summary>
/// A single-frame CT series as a scanner sends it: one file per slice, 512x512 16-bit, about 80 header elements
/// including three sequences, Explicit VR Little Endian. Pixel data is streamed into each file by the writer.
/// </summary>
internal static class CtSeriesGenerator
{
    public const int Rows = 512;
    public const int Columns = 512;

    public static IReadOnlyList<string> Generate(string directory, int slices)
    {
        Directory.CreateDirectory(directory);
        var study = new StudyContext();
        var seriesUid = BenchUids.New();
        var paths = new List<string>(slices);
        string? previousInstance = null;
        for (var i = 0; i < slices; i++)
        {
            var instanceUid = seriesUid + "." + StudyContext.Is(i + 1);
            var ds = Slice(study, seriesUid, instanceUid, previousInstance, i);
            var path = Path.Combine(directory, $"CT{i + 1:D4}.dcm");
            new DicomFile(ds, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
            paths.Add(path);
            previousInstance = instanceUid;
        }
        return paths;
    }

    private static DicomDataset Slice(StudyContext study, string seriesUid, string instanceUid, string? previousInstance, int index)
    {
        var z = -100.0 - index * 1.25;
        var ds = new DicomDataset();
        study.AddPatientStudyEquipment(ds);

        ds.AddOrUpdate(Tags.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL");
        ds.AddOrUpdate(Tags.InstanceCreationDate, DicomVR.DA, study.StudyDate);
        ds.AddOrUpdate(Tags.InstanceCreationTime, DicomVR.TM, "101711.031000");
        ds.AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, DicomUids.CTImageStorage.Value);
        ds.AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, instanceUid);
        ds.AddOrUpdate(Tags.SeriesDate, DicomVR.DA, study.StudyDate);
        ds.AddOrUpdate(Tags.AcquisitionDate, DicomVR.DA, study.StudyDate);
        ds.AddOrUpdate(Tags.ContentDate, DicomVR.DA, study.StudyDate);
        ds.AddOrUpdate(Tags.SeriesTime, DicomVR.TM, "101640.120000");
        ds.AddOrUpdate(Tags.AcquisitionTime, DicomVR.TM, "101645.730000");
        ds.AddOrUpdate(Tags.ContentTime, DicomVR.TM, "101711.031000");
        ds.AddOrUpdate(Tags.SeriesDescription, DicomVR.LO, "Thorax 1.25mm Br40 venous");
        if (previousInstance is not null)
        {
            ds.AddOrUpdate(StudyContext.Sequence(Tags.ReferencedImageSequence, StudyContext.Dataset(
                (Tags.ReferencedSOPClassUID, DicomVR.UI, DicomUids.CTImageStorage.Value),
                (Tags.ReferencedSOPInstanceUID, DicomVR.UI, previousInstance))));
        }

        ds.AddOrUpdate(Tags.ScanOptions, DicomVR.CS, "HELICAL_CT");
        ds.AddOrUpdate(Tags.SliceThickness, DicomVR.DS, "1.25");
        ds.AddOrUpdate(Tags.KVP, DicomVR.DS, "120");
        ds.AddOrUpdate(Tags.SpacingBetweenSlices, DicomVR.DS, "1.25");
        ds.AddOrUpdate(Tags.DataCollectionDiameter, DicomVR.DS, "500");
        ds.AddOrUpdate(Tags.ReconstructionDiameter, DicomVR.DS, "380");
        ds.AddOrUpdate(Tags.DistanceSourceToDetector, DicomVR.DS, "1085.6");
        ds.AddOrUpdate(Tags.DistanceSourceToPatient, DicomVR.DS, "595");
        ds.AddOrUpdate(Tags.GantryDetectorTilt, DicomVR.DS, "0");
        ds.AddOrUpdate(Tags.TableHeight, DicomVR.DS, "152");
        ds.AddOrUpdate(Tags.RotationDirection, DicomVR.CS, "CW");
        ds.AddOrUpdate(Tags.ExposureTime, DicomVR.IS, "500");
        ds.AddOrUpdate(Tags.XRayTubeCurrent, DicomVR.IS, "212");
        ds.AddOrUpdate(Tags.Exposure, DicomVR.IS, "106");
        ds.AddOrUpdate(Tags.FilterType, DicomVR.SH, "BODY");
        ds.AddOrUpdate(Tags.GeneratorPower, DicomVR.IS, "25");
        ds.AddOrUpdate(Tags.FocalSpots, DicomVR.DS, "1.2");
        ds.AddOrUpdate(Tags.ConvolutionKernel, DicomVR.SH, "Br40d");
        ds.AddOrUpdate<double>(Tags.CTDIvol, DicomVR.FD, 8.73);

        ds.AddOrUpdate(Tags.SeriesInstanceUID, DicomVR.UI, seriesUid);
        ds.AddOrUpdate(Tags.SeriesNumber, DicomVR.IS, "3");
        ds.AddOrUpdate(Tags.AcquisitionNumber, DicomVR.IS, "1");
        ds.AddOrUpdate(Tags.InstanceNumber, DicomVR.IS, StudyContext.Is(index + 1));
        ds.AddOrUpdate(Tags.ImagePositionPatient, DicomVR.DS, "-189.628906", "-352.628906", StudyContext.Ds(z));
        ds.AddOrUpdate(Tags.ImageOrientationPatient, DicomVR.DS, "1", "0", "0", "0", "1", "0");
        ds.AddOrUpdate(Tags.SliceLocation, DicomVR.DS, StudyContext.Ds(z));

        AddImagePixel(ds, Rows, Columns);
        ds.AddOrUpdate(Tags.PixelSpacing, DicomVR.DS, "0.742187", "0.742187");
        ds.AddOrUpdate(Tags.WindowCenter, DicomVR.DS, "40");
        ds.AddOrUpdate(Tags.WindowWidth, DicomVR.DS, "400");
        ds.AddOrUpdate(Tags.RescaleIntercept, DicomVR.DS, "-1024");
        ds.AddOrUpdate(Tags.RescaleSlope, DicomVR.DS, "1");
        ds.AddOrUpdate(Tags.RescaleType, DicomVR.LO, "HU");
        ds.AddOrUpdate(new DicomElement(Tags.PixelData, DicomVR.OW, new SyntheticPixelData(1, Rows, Columns, index)));
        return ds;
    }

    /// <summary>Image Pixel module (PS3.3 C.7.6.3) for 16-bit monochrome, 12 bits stored, unsigned.</summary>
    public static void AddImagePixel(DicomDataset ds, int rows, int columns)
    {
        ds.AddOrUpdate<ushort>(Tags.SamplesPerPixel, DicomVR.US, 1);
        ds.AddOrUpdate(Tags.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
        ds.AddOrUpdate<ushort>(Tags.Rows, DicomVR.US, (ushort)rows);
        ds.AddOrUpdate<ushort>(Tags.Columns, DicomVR.US, (ushort)columns);
        ds.AddOrUpdate<ushort>(Tags.BitsAllocated, DicomVR.US, 16);
        ds.AddOrUpdate<ushort>(Tags.BitsStored, DicomVR.US, 12);
        ds.AddOrUpdate<ushort>(Tags.HighBit, DicomVR.US, 11);
        ds.AddOrUpdate<ushort>(Tags.PixelRepresentation, DicomVR.US, 0);
    }
}
