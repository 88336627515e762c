namespace DicomGateway.Routing;

/// <summary>
/// Decides which rules a study matches. Rules are taken by ascending <see cref="RoutingRule.Order"/>, then
/// <see cref="RoutingRule.Id"/>; disabled rules are skipped; every enabled rule whose conditions all hold is a match,
/// and a match whose <see cref="RoutingRule.StopOnMatch"/> is set ends the evaluation. Nothing is written anywhere,
/// so the same call serves a dry run of rules that are not saved.
/// </summary>
public static class RuleEvaluator
{
    /// <summary>Evaluates rules as given (a dry run of unsaved rules). They must be valid (<see cref="RuleValidator"/>).</summary>
    public static RoutingDecision Evaluate(IEnumerable<RoutingRule> rules, RoutingInput input) => Evaluate(Compile(rules), input);

    internal static IReadOnlyList<CompiledRule> Compile(IEnumerable<RoutingRule> rules) =>
        [.. rules.OrderBy(r => r.Order).ThenBy(r => r.Id).Select(r => new CompiledRule(r, RuleDefinition.FromRule(r).Conditions))];

    internal static RoutingDecision Evaluate(IReadOnlyList<CompiledRule> rules, RoutingInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        List<RoutingRule>? matched = null;
        foreach (var rule in rules)
        {
            if (!rule.Rule.Enabled || !rule.Conditions.All(c => c.Matches(input))) continue;
            (matched ??= []).Add(rule.Rule);
            if (rule.Rule.StopOnMatch) break;
        }
        return matched is null ? RoutingDecision.None : new RoutingDecision(matched);
    }
}

/// <summary>A rule with its conditions in the form evaluation uses (attribute keys resolved to tags).</summary>
internal sealed record CompiledRule(RoutingRule Rule, IReadOnlyList<RuleCondition> Conditions);
