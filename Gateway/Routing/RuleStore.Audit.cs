using System.Text.Json;
using DicomGateway.Audit;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Routing;

/// <summary>
/// The audit events of rule changes: 110113 Security Alert / 110129 Security Configuration, by the administrator,
/// naming the rule and the parts that changed. Recipients' addresses never go in: they are personal data, and the
/// rule itself shows them to whoever may see it.
/// </summary>
public sealed partial class RuleStore
{
    private Task AuditAsync(SqliteConnection connection, SqliteTransaction transaction, AuditAction action, string actor, string what, long? ruleId, string? ruleName,
        IReadOnlyList<string>? changed, CancellationToken cancellationToken) =>
        _audit.RecordAsync(connection, transaction, new AuditEvent
        {
            EventId = AuditEventIds.SecurityAlert,
            EventType = AuditEventTypes.SecurityConfiguration,
            Action = action,
            ActorKind = AuditActorKind.Administrator,
            Actor = string.IsNullOrWhiteSpace(actor) ? "unknown" : actor,
            Detail = new { what, ruleId, ruleName, changed },
        }, cancellationToken);

    /// <summary>What a new rule holds, in words that carry no address: "3 conditions (all)", "actions: ship, forward".</summary>
    private static List<string> Summary(RoutingRule rule) =>
    [
        $"order {rule.Order}",
        rule.Enabled ? "enabled" : "disabled",
        rule.StopOnMatch ? "stops on match" : "continues after a match",
        $"{rule.Conditions.Count} conditions ({(rule.Match == RuleMatchMode.All ? "all" : "any")})",
        rule.TimeWindow is null ? "no time window" : "time window",
        "actions: " + string.Join(", ", rule.Actions.Select(ActionKind)),
    ];

    /// <summary>Which parts of a rule changed, by name: the audit trail says what was touched, not the recipients' addresses.</summary>
    private static List<string> Changes(RoutingRule before, RoutingRule after)
    {
        var changed = new List<string>();
        if (before.Name != after.Name.Trim()) changed.Add("name");
        if (before.Order != after.Order) changed.Add("order");
        if (before.Enabled != after.Enabled) changed.Add(after.Enabled ? "enabled" : "disabled");
        if (before.StopOnMatch != after.StopOnMatch) changed.Add("stopOnMatch");
        if (before.Match != after.Match) changed.Add("match");
        if (Json(before.Conditions) != Json(after.Conditions)) changed.Add("conditions");
        if (Json(before.TimeWindow) != Json(after.TimeWindow)) changed.Add("timeWindow");
        if (Json(before.Actions) != Json(after.Actions)) changed.Add("actions: " + string.Join(", ", after.Actions.Select(ActionKind)));
        return changed;
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, RuleJson.Options);

    private static string ActionKind(RuleAction action) => action switch
    {
        ShipAction => "ship",
        ForwardAction f => $"forward to node {f.NodeId}",
        HoldAction => "hold",
        DiscardAction => "discard",
        _ => "?",
    };
}
