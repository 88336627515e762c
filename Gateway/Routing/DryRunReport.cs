namespace DicomGateway.Routing;

/// <summary>
/// A dry run as the admin API answers it (docs/admin-api.md, "DryRun"): the disposition, every rule looked at with its
/// conditions, the actions that would be applied (with node names), and the warnings.
/// </summary>
public sealed record DryRunReport(string Disposition, IReadOnlyList<DryRunRule> Rules, IReadOnlyList<DryRunAction> Actions, IReadOnlyList<string> Warnings)
{
    public static async Task<DryRunReport> CreateAsync(RoutingDecision decision, INodeDirectory nodes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(nodes);
        var actions = new List<DryRunAction>();
        foreach (var ship in decision.Ships)
        {
            actions.Add(new DryRunAction("ship", ship.RuleId, ship.RuleName)
            {
                Recipients = ship.Recipients,
                ExpiryDays = ship.ExpiryDays,
                MaxDownloads = ship.MaxDownloads,
            });
        }
        foreach (var forward in decision.Forwards)
        {
            var node = await nodes.GetForwardDestinationAsync(forward.NodeId, cancellationToken).ConfigureAwait(false);
            actions.Add(new DryRunAction("forward", forward.RuleId, forward.RuleName) { NodeId = forward.NodeId, NodeName = node?.Name });
        }
        if (decision.Disposition == RoutingDisposition.Held)
        {
            foreach (var hold in decision.Holds) actions.Add(new DryRunAction("hold", hold.RuleId, hold.RuleName));
        }
        if (decision.Discard is { } discard) actions.Add(new DryRunAction("discard", discard.RuleId, discard.RuleName) { Reason = discard.Reason });

        var disposition = decision.Disposition switch
        {
            RoutingDisposition.Act => "act",
            RoutingDisposition.Discard => "discard",
            _ => "held",
        };
        var rules = decision.Trace.Select(t => new DryRunRule(t.RuleId, t.Name, t.Enabled, t.Matched, t.StoppedHere, t.Conditions, t.TimeWindowMatched)).ToList();
        return new DryRunReport(disposition, rules, actions, decision.Warnings);
    }
}

public sealed record DryRunRule(long? RuleId, string Name, bool Enabled, bool Matched, bool StoppedHere, IReadOnlyList<ConditionTrace> Conditions, bool? TimeWindowMatched);

/// <summary>One action that would be applied; the fields of its kind are set, the others null.</summary>
public sealed record DryRunAction(string Kind, long? RuleId, string? RuleName)
{
    public IReadOnlyList<PlannedRecipient>? Recipients { get; init; }
    public int? ExpiryDays { get; init; }
    public int? MaxDownloads { get; init; }
    public long? NodeId { get; init; }
    public string? NodeName { get; init; }
    public string? Reason { get; init; }
}
