namespace DicomGateway.Routing;

/// <summary>What becomes of a study, all rules considered.</summary>
public enum RoutingDisposition
{
    /// <summary>Ship and/or forward it, as <see cref="RoutingDecision.Ships"/> and <see cref="RoutingDecision.Forwards"/> say.</summary>
    Act,

    /// <summary>Keep it for an administrator: a rule said hold, no rule matched, or the matched rules shipped to nobody.</summary>
    Held,

    /// <summary>Erase it (audited), as <see cref="RoutingDecision.Discard"/> says.</summary>
    Discard,
}

/// <summary>
/// The outcome of evaluating the rules for one study, and how it was reached. Precedence (docs/routing.md): any ship
/// with a recipient or any forward → <see cref="RoutingDisposition.Act"/> (holds and discards of other matched rules
/// are then reported in <see cref="Warnings"/>, not applied); else a hold → Held; else a discard → Discard; else Held.
/// </summary>
public sealed record RoutingDecision
{
    public RoutingDisposition Disposition { get; init; } = RoutingDisposition.Held;

    /// <summary>Every rule looked at, in evaluation order (rules after one that stopped evaluation are not).</summary>
    public IReadOnlyList<RuleTrace> Trace { get; init; } = [];

    /// <summary>One shipment per matched ship action that resolved to at least one recipient, defaults applied.</summary>
    public IReadOnlyList<ShipPlan> Ships { get; init; } = [];

    public IReadOnlyList<ForwardPlan> Forwards { get; init; } = [];

    /// <summary>The matched rules that said "hold" (they decide only when nothing ships or forwards).</summary>
    public IReadOnlyList<HoldPlan> Holds { get; init; } = [];

    /// <summary>The first matched discard, set only when the disposition is <see cref="RoutingDisposition.Discard"/> (an overruled discard is a warning).</summary>
    public DiscardPlan? Discard { get; init; }

    /// <summary>What an administrator should know: a contact that no longer exists, a hold overruled by a ship, ...</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>How one rule fared. <see cref="TimeWindowMatched"/> is null for a rule without a time window.</summary>
public sealed record RuleTrace(long? RuleId, string Name, bool Enabled, bool Matched, bool StoppedHere, IReadOnlyList<ConditionTrace> Conditions, bool? TimeWindowMatched);

/// <summary>One top-level condition of a rule, described in words ("Modality equals \"CT\""), and whether it held.</summary>
public sealed record ConditionTrace(string Description, bool Matched);

/// <summary>A shipment to make.</summary>
public sealed record ShipPlan(long? RuleId, string? RuleName, IReadOnlyList<PlannedRecipient> Recipients, int ExpiryDays, int? MaxDownloads,
    string? NotifyEmail, string? SenderName, string? SenderOrganisation);

/// <summary>A recipient of a shipment; <see cref="ContactId"/> when it came from the address book.</summary>
public sealed record PlannedRecipient(string? Email, string? Phone, string Language, long? ContactId);

/// <summary>A C-STORE of the study to a node of the node registry.</summary>
public sealed record ForwardPlan(long? RuleId, string? RuleName, long NodeId);

public sealed record HoldPlan(long? RuleId, string? RuleName);

public sealed record DiscardPlan(long? RuleId, string? RuleName, string? Reason);
