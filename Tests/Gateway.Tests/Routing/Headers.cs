using DicomGateway.Routing;
using DicomKit.Data;

namespace Gateway.Tests.Routing;

/// <summary>Study headers and routing inputs for the routing tests.</summary>
internal static class Headers
{
    public static DicomDataset Ct(string description = "CT HEART WITH CONTRAST") => Utf8()
        .AddOrUpdate(Tags.Modality, DicomVR.CS, "CT")
        .AddOrUpdate(Tags.StudyDescription, DicomVR.LO, description)
        .AddOrUpdate(Tags.PatientName, DicomVR.PN, "Novák^Jan^^MUDr.")
        .AddOrUpdate(Tags.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL");

    public static DicomDataset Utf8() => new DicomDataset().AddOrUpdate(Tags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");

    public static RoutingInput Input(DicomDataset? header = null, string calling = "CT1", string called = "KARDIO") => new()
    {
        CallingAeTitle = calling,
        CalledAeTitle = called,
        RemoteAddress = "10.0.0.5",
        Header = header ?? Ct(),
    };

    public static RoutingRule Rule(string name, RuleMatch? match = null, int order = 10, bool stop = true, bool enabled = true, params string[] emails) => new()
    {
        Id = order,
        Name = name,
        Order = order,
        Enabled = enabled,
        StopOnMatch = stop,
        Match = match ?? new RuleMatch(),
        Recipients = [.. emails.Select(e => new RuleRecipient { Email = e })],
    };

    public static RuleMatch Attributes(params (string Key, string Pattern)[] attributes) =>
        new() { Attributes = attributes.ToDictionary(a => a.Key, a => a.Pattern) };
}
