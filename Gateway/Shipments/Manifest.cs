using DicomGateway.Studies;

namespace DicomGateway.Shipments;

/// <summary>
/// The shipment's table of contents, encrypted as blob 0 (docs/shipment-format.md): who and what the study is,
/// and which blob holds which instance. Only a recipient can read it; the server keeps counts and sizes only.
/// </summary>
public sealed record Manifest
{
    public int Version { get; init; } = 1;
    public required ManifestPatient Patient { get; init; }
    public required ManifestStudy Study { get; init; }
    public required IReadOnlyList<ManifestSeries> Series { get; init; }
    public int InstanceCount { get; init; }
    public long TotalBytes { get; init; }

    public static Manifest Build(IReadOnlyList<(InstanceHeader Header, int Ordinal, long PlaintextLength, long CiphertextLength)> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        var first = instances.OrderBy(i => i.Ordinal).First().Header;
        var series = instances
            .GroupBy(i => i.Header.SeriesInstanceUid ?? "")
            .Select(g =>
            {
                var h = g.OrderBy(i => i.Ordinal).First().Header;
                return new ManifestSeries
                {
                    SeriesInstanceUid = h.SeriesInstanceUid,
                    SeriesNumber = h.SeriesNumber,
                    SeriesDescription = h.SeriesDescription,
                    Modality = h.Modality,
                    BodyPartExamined = h.BodyPartExamined,
                    Instances = g.OrderBy(i => i.Header.InstanceNumber ?? int.MaxValue).ThenBy(i => i.Ordinal)
                        .Select(i => new ManifestInstance
                        {
                            Ordinal = i.Ordinal,
                            SopClassUid = i.Header.SopClassUid,
                            SopInstanceUid = i.Header.SopInstanceUid,
                            InstanceNumber = i.Header.InstanceNumber,
                            TransferSyntaxUid = i.Header.TransferSyntaxUid,
                            PlaintextLength = i.PlaintextLength,
                            CiphertextLength = i.CiphertextLength,
                        }).ToList(),
                };
            })
            .OrderBy(s => s.SeriesNumber ?? int.MaxValue).ThenBy(s => s.SeriesInstanceUid, StringComparer.Ordinal)
            .ToList();
        return new Manifest
        {
            Patient = new ManifestPatient { Name = first.PatientName, Id = first.PatientId, BirthDate = first.PatientBirthDate, Sex = first.PatientSex },
            Study = new ManifestStudy
            {
                StudyInstanceUid = first.StudyInstanceUid,
                StudyDate = first.StudyDate,
                StudyTime = first.StudyTime,
                StudyDescription = first.StudyDescription,
                StudyId = first.StudyId,
                AccessionNumber = first.AccessionNumber,
                ReferringPhysicianName = first.ReferringPhysicianName,
                InstitutionName = first.InstitutionName,
            },
            Series = series,
            InstanceCount = instances.Count,
            TotalBytes = instances.Sum(i => i.PlaintextLength),
        };
    }
}

public sealed record ManifestPatient
{
    public string? Name { get; init; }
    public string? Id { get; init; }
    public string? BirthDate { get; init; }
    public string? Sex { get; init; }
}

public sealed record ManifestStudy
{
    public required string StudyInstanceUid { get; init; }
    public string? StudyDate { get; init; }
    public string? StudyTime { get; init; }
    public string? StudyDescription { get; init; }
    public string? StudyId { get; init; }
    public string? AccessionNumber { get; init; }
    public string? ReferringPhysicianName { get; init; }
    public string? InstitutionName { get; init; }
}

public sealed record ManifestSeries
{
    public string? SeriesInstanceUid { get; init; }
    public int? SeriesNumber { get; init; }
    public string? SeriesDescription { get; init; }
    public string? Modality { get; init; }
    public string? BodyPartExamined { get; init; }
    public required IReadOnlyList<ManifestInstance> Instances { get; init; }
}

public sealed record ManifestInstance
{
    public int Ordinal { get; init; }
    public required string SopClassUid { get; init; }
    public required string SopInstanceUid { get; init; }
    public int? InstanceNumber { get; init; }
    public required string TransferSyntaxUid { get; init; }
    public long PlaintextLength { get; init; }
    public long CiphertextLength { get; init; }
}
