using DicomKit.Data;

namespace DicomGateway.Routing;

/// <summary>What routing knows about a study: the association it came on and the header of one of its instances.</summary>
public sealed record RoutingInput
{
    public required string CallingAeTitle { get; init; }

    public required string CalledAeTitle { get; init; }

    /// <summary>The peer's address; not matched on yet.</summary>
    public string? RemoteAddress { get; init; }

    public required DicomDataset Header { get; init; }
}

/// <summary>
/// The rules a study matched, in evaluation order. A study is <see cref="Held"/> (kept for an administrator to
/// route by hand) when no rule matched, or when the rules that matched name no recipient: until rules can forward
/// or discard, a match without recipients has nowhere to send the study.
/// </summary>
public sealed record RoutingDecision(IReadOnlyList<RoutingRule> MatchedRules)
{
    public static RoutingDecision None { get; } = new([]);

    public bool Held => MatchedRules.All(r => r.Recipients.Count == 0);
}
