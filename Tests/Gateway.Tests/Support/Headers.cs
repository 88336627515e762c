using DicomGateway.Routing;
using DicomKit.Data;

namespace Gateway.Tests.Support;

/// <summary>Study headers, routing inputs and rules for the routing tests.</summary>
internal static class Headers
{
    public static DicomDataset Ct(string description = "CT HEART WITH CONTRAST") => Utf8()
        .AddOrUpdate(Tags.Modality, DicomVR.CS, "CT")
        .AddOrUpdate(Tags.StudyDescription, DicomVR.LO, description)
        .AddOrUpdate(Tags.PatientName, DicomVR.PN, "Novák^Jan^^MUDr.")
        .AddOrUpdate(Tags.ReferringPhysicianName, DicomVR.PN, "NOVAK^PETR^^^")
        .AddOrUpdate(Tags.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL");

    public static DicomDataset Utf8() => new DicomDataset().AddOrUpdate(Tags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");

    /// <summary>A Monday morning in winter, 08:30 UTC.</summary>
    public static readonly DateTimeOffset MondayMorning = new(2026, 1, 5, 8, 30, 0, TimeSpan.Zero);

    public static RoutingInput Input(DicomDataset? header = null, string calling = "CT1", string called = "KARDIO", string? address = "10.0.0.5",
        DateTimeOffset? receivedAt = null) => new()
    {
        CallingAeTitle = calling,
        CalledAeTitle = called,
        RemoteAddress = address,
        ReceivedAt = receivedAt ?? MondayMorning,
        Header = header ?? Ct(),
    };

    public static RoutingRule Rule(string name, int order = 10, bool stop = true, bool enabled = true, RuleMatchMode match = RuleMatchMode.All,
        IReadOnlyList<RuleCondition>? conditions = null, TimeWindow? window = null, params RuleAction[] actions) => new()
    {
        Id = order,
        Name = name,
        Order = order,
        Enabled = enabled,
        StopOnMatch = stop,
        Match = match,
        Conditions = conditions ?? [],
        TimeWindow = window,
        Actions = actions,
    };

    public static ShipAction Ship(params string[] emails) => new() { Recipients = [.. emails.Select(e => new ShipRecipient { Email = e })] };

    public static CalledAeTitleCondition Called(string value, ConditionOp op = ConditionOp.Equal) => new() { Op = op, Value = value };

    public static CallingAeTitleCondition Calling(string value, ConditionOp op = ConditionOp.Equal) => new() { Op = op, Value = value };

    public static AttributeCondition Attribute(string key, ConditionOp op, string? value = null) => new() { Key = key, Op = op, Value = value };

    public static AttributeCondition Wildcard(string key, string pattern) => Attribute(key, ConditionOp.Wildcard, pattern);

    public static SourceAddressCondition Source(string network) => new() { Network = network };

    public static GroupCondition Group(RuleMatchMode match, params RuleCondition[] conditions) => new() { Match = match, Conditions = conditions };

    /// <summary>Evaluation in UTC (unless a zone is given), with the defaults of <see cref="RoutingOptions"/>.</summary>
    public static RoutingDecision Evaluate(IEnumerable<RoutingRule> rules, RoutingInput input, string timeZone = "UTC",
        IEnumerable<DicomGateway.AddressBook.Contact>? contacts = null) =>
        RuleEvaluator.Evaluate(rules, input, new RoutingOptions { TimeZone = timeZone }, contacts, MondayMorning);

    /// <summary>Whether a single shipping rule with these conditions matches.</summary>
    public static bool Matches(RoutingInput input, RuleMatchMode match, params RuleCondition[] conditions) =>
        Evaluate([Rule("r", match: match, conditions: conditions, actions: Ship("a@example.org"))], input).Trace.Single().Matched;

    public static bool Matches(RoutingInput input, params RuleCondition[] conditions) => Matches(input, RuleMatchMode.All, conditions);
}
