using DicomKit.Data;
using DicomKit.IO;

namespace Gateway.Tests.Support;

/// <summary>Small, valid CT instances written with DicomKit for the tests to send.</summary>
public static class Instances
{
    public const string StudyUid = "1.2.826.0.1.3680043.10.1234.1";

    public static string WriteCt(string directory, int number, DicomTransferSyntax? syntax = null) => Write(directory, number, syntax);

    /// <summary>An instance of another study (UID, modality, patient and referring physician given), for tests that route several.</summary>
    public static string Write(string directory, int number, DicomTransferSyntax? syntax = null, string studyUid = StudyUid, string modality = "CT",
        string patientName = "Dvořák^Antonín", string patientId = "PAT-001", string? referringPhysician = null, ushort side = 64)
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(Tags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        ds.AddOrUpdate(Tags.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL");
        ds.AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, DicomUids.CTImageStorage.Value);
        ds.AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, $"{studyUid}.1.{number}");
        ds.AddOrUpdate(Tags.StudyDate, DicomVR.DA, "20261125");
        ds.AddOrUpdate(Tags.Modality, DicomVR.CS, modality);
        if (referringPhysician is not null) ds.AddOrUpdate(Tags.ReferringPhysicianName, DicomVR.PN, referringPhysician);
        ds.AddOrUpdate(Tags.PatientName, DicomVR.PN, patientName);
        ds.AddOrUpdate(Tags.PatientID, DicomVR.LO, patientId);
        ds.AddOrUpdate(Tags.StudyInstanceUID, DicomVR.UI, studyUid);
        ds.AddOrUpdate(Tags.SeriesInstanceUID, DicomVR.UI, studyUid + ".1");
        ds.AddOrUpdate(Tags.InstanceNumber, DicomVR.IS, number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ds.AddOrUpdate<ushort>(Tags.SamplesPerPixel, DicomVR.US, 1);
        ds.AddOrUpdate(Tags.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
        ds.AddOrUpdate<ushort>(Tags.Rows, DicomVR.US, side);
        ds.AddOrUpdate<ushort>(Tags.Columns, DicomVR.US, side);
        ds.AddOrUpdate<ushort>(Tags.BitsAllocated, DicomVR.US, 16);
        ds.AddOrUpdate<ushort>(Tags.BitsStored, DicomVR.US, 12);
        ds.AddOrUpdate<ushort>(Tags.HighBit, DicomVR.US, 11);
        ds.AddOrUpdate<ushort>(Tags.PixelRepresentation, DicomVR.US, 0);
        var pixels = new ushort[side * side];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (ushort)((i * 7 + number) & 0x0FFF);
        ds.AddOrUpdate(Tags.PixelData, DicomVR.OW, pixels);
        var path = Path.Combine(directory, $"{modality.ToLowerInvariant()}{number:D4}.dcm");
        new DicomFile(ds, syntax ?? DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        return path;
    }
}
