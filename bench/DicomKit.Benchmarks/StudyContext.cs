using System.Globalization;
using DicomKit.Data;

namespace DicomKit.Benchmarks;

/// <summary>The patient, study and equipment attributes that every generated instance shares.</summary>
internal sealed class StudyContext
{
    public string StudyInstanceUid { get; } = BenchUids.New();
    public string FrameOfReferenceUid { get; } = BenchUids.New();
    public string StudyDate { get; } = "20240312";
    public string StudyTime { get; } = "101532.250000";

    public static string Ds(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    public static string Is(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Patient, study and equipment modules (PS3.3 C.7.1.1, C.7.2.1, C.7.5.1): about 25 elements.</summary>
    public void AddPatientStudyEquipment(DicomDataset ds)
    {
        ds.AddOrUpdate(Tags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100");
        ds.AddOrUpdate(Tags.StudyDate, DicomVR.DA, StudyDate);
        ds.AddOrUpdate(Tags.StudyTime, DicomVR.TM, StudyTime);
        ds.AddOrUpdate(Tags.AccessionNumber, DicomVR.SH, "ACC20240312017");
        ds.AddOrUpdate(Tags.Modality, DicomVR.CS, "CT");
        ds.AddOrUpdate(Tags.Manufacturer, DicomVR.LO, "DicomKit Bench Scanners");
        ds.AddOrUpdate(Tags.InstitutionName, DicomVR.LO, "General Hospital Radiology");
        ds.AddOrUpdate(Tags.ReferringPhysicianName, DicomVR.PN, "Mueller^Hans^^Dr.");
        ds.AddOrUpdate(Tags.StationName, DicomVR.SH, "CTSCAN04");
        ds.AddOrUpdate(Tags.StudyDescription, DicomVR.LO, "CT THORAX ABDOMEN PELVIS W CONTRAST");
        ds.AddOrUpdate(Tags.ManufacturerModelName, DicomVR.LO, "Bench 128");
        ds.AddOrUpdate(Sequence(Tags.ProcedureCodeSequence, Dataset(
            (Tags.CodeValue, DicomVR.SH, "CTTAP"),
            (Tags.CodingSchemeDesignator, DicomVR.SH, "99HOSP"),
            (Tags.CodeMeaning, DicomVR.LO, "CT thorax abdomen pelvis"))));
        ds.AddOrUpdate(Tags.PatientName, DicomVR.PN, "Bench^Patient^Q");
        ds.AddOrUpdate(Tags.PatientID, DicomVR.LO, "PAT-000417");
        ds.AddOrUpdate(Tags.PatientBirthDate, DicomVR.DA, "19560704");
        ds.AddOrUpdate(Tags.PatientSex, DicomVR.CS, "F");
        ds.AddOrUpdate(Tags.PatientAge, DicomVR.AS, "067Y");
        ds.AddOrUpdate(Tags.BodyPartExamined, DicomVR.CS, "CHEST");
        ds.AddOrUpdate(Tags.DeviceSerialNumber, DicomVR.LO, "SN-88412");
        ds.AddOrUpdate(Tags.SoftwareVersions, DicomVR.LO, "VB42A");
        ds.AddOrUpdate(Tags.ProtocolName, DicomVR.LO, "Thorax-Abdomen-Pelvis 1.0mm");
        ds.AddOrUpdate(Tags.PatientPosition, DicomVR.CS, "HFS");
        ds.AddOrUpdate(Tags.StudyInstanceUID, DicomVR.UI, StudyInstanceUid);
        ds.AddOrUpdate(Tags.StudyID, DicomVR.SH, "4711");
        ds.AddOrUpdate(Tags.FrameOfReferenceUID, DicomVR.UI, FrameOfReferenceUid);
        ds.AddOrUpdate(Tags.PositionReferenceIndicator, DicomVR.LO, "XY");
        ds.AddOrUpdate(Sequence(Tags.RequestAttributesSequence, Dataset(
            (Tags.ScheduledProcedureStepDescription, DicomVR.LO, "CT TAP contrast"),
            (Tags.ScheduledProcedureStepID, DicomVR.SH, "SPS-20240312-17"),
            (Tags.RequestedProcedureID, DicomVR.SH, "RP-20240312-17"))));
    }

    public static DicomSequence Sequence(DicomTag tag, params DicomDataset[] items) => new(tag, items);

    /// <summary>A data set of string elements; multiple values separated by backslashes.</summary>
    public static DicomDataset Dataset(params (DicomTag Tag, DicomVR VR, string Value)[] elements)
    {
        var item = new DicomDataset();
        foreach (var (tag, vr, value) in elements) item.AddOrUpdate(tag, vr, value.Split('\\'));
        return item;
    }
}
