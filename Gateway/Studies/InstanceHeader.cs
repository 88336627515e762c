using System.Globalization;
using DicomKit.Data;

namespace DicomGateway.Studies;

/// <summary>
/// What the gateway reads from an instance as it arrives: the Study Instance UID that places it, and the few
/// attributes that make up the shipment's (encrypted) table of contents. Built from the start of the data set only.
/// </summary>
public sealed record InstanceHeader
{
    public required string StudyInstanceUid { get; init; }
    public string? SeriesInstanceUid { get; init; }
    public required string SopClassUid { get; init; }
    public required string SopInstanceUid { get; init; }
    public required string TransferSyntaxUid { get; init; }
    public string? PatientId { get; init; }
    public string? PatientName { get; init; }
    public string? PatientBirthDate { get; init; }
    public string? PatientSex { get; init; }
    public string? StudyDate { get; init; }
    public string? StudyTime { get; init; }
    public string? StudyDescription { get; init; }
    public string? StudyId { get; init; }
    public string? AccessionNumber { get; init; }
    public string? ReferringPhysicianName { get; init; }
    public string? InstitutionName { get; init; }
    public string? Modality { get; init; }
    public int? SeriesNumber { get; init; }
    public string? SeriesDescription { get; init; }
    public string? BodyPartExamined { get; init; }
    public int? InstanceNumber { get; init; }

    public static InstanceHeader? From(DicomDataset ds, string sopClassUid, string sopInstanceUid, string transferSyntaxUid)
    {
        var study = Clean(ds.GetString(Tags.StudyInstanceUID));
        if (study is null) return null;
        return new InstanceHeader
        {
            StudyInstanceUid = study,
            SeriesInstanceUid = Clean(ds.GetString(Tags.SeriesInstanceUID)),
            SopClassUid = sopClassUid,
            SopInstanceUid = sopInstanceUid,
            TransferSyntaxUid = transferSyntaxUid,
            PatientId = Clean(ds.GetString(Tags.PatientID)),
            PatientName = Clean(ds.GetString(Tags.PatientName)),
            PatientBirthDate = Clean(ds.GetString(Tags.PatientBirthDate)),
            PatientSex = Clean(ds.GetString(Tags.PatientSex)),
            StudyDate = Clean(ds.GetString(Tags.StudyDate)),
            StudyTime = Clean(ds.GetString(Tags.StudyTime)),
            StudyDescription = Clean(ds.GetString(Tags.StudyDescription)),
            StudyId = Clean(ds.GetString(Tags.StudyID)),
            AccessionNumber = Clean(ds.GetString(Tags.AccessionNumber)),
            ReferringPhysicianName = Clean(ds.GetString(Tags.ReferringPhysicianName)),
            InstitutionName = Clean(ds.GetString(Tags.InstitutionName)),
            Modality = Clean(ds.GetString(Tags.Modality)),
            SeriesNumber = Integer(ds.GetString(Tags.SeriesNumber)),
            SeriesDescription = Clean(ds.GetString(Tags.SeriesDescription)),
            BodyPartExamined = Clean(ds.GetString(Tags.BodyPartExamined)),
            InstanceNumber = Integer(ds.GetString(Tags.InstanceNumber)),
        };
    }

    private static string? Clean(string? value) => HeaderValues.Clean(value);

    private static int? Integer(string? value) =>
        int.TryParse(Clean(value), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;
}

/// <summary>How the gateway reads a header value it indexes, hashes or shows: the same for every caller, so a value
/// typed by an administrator (a patient ID to search for) hashes as the one that arrived over DICOM.</summary>
public static class HeaderValues
{
    /// <summary>The value without its padding (spaces, and the NULs some senders use), or null when nothing is left.</summary>
    public static string? Clean(string? value)
    {
        var trimmed = value?.Trim(' ', '\0');
        return string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }
}
