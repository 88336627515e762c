using DicomGateway.AddressBook;

namespace DicomGateway.Routing;

/// <summary>
/// Decides what becomes of a study (docs/routing.md, "Evaluation"). Rules are taken by ascending
/// <see cref="RoutingRule.Order"/>, then <see cref="RoutingRule.Id"/>; disabled rules are skipped; a rule matches when
/// its conditions hold (all or any) and the study was received inside its time window; a match contributes its actions,
/// and a match with <see cref="RoutingRule.StopOnMatch"/> ends the evaluation. Nothing is written anywhere, so the
/// same code serves a dry run of rules that are not saved.
/// </summary>
public static class RuleEvaluator
{
    /// <summary>Evaluates rules as given (they must be valid, <see cref="RuleValidator"/>), with <paramref name="options"/>' defaults and time zone.</summary>
    public static RoutingDecision Evaluate(IEnumerable<RoutingRule> rules, RoutingInput input, RoutingOptions? options = null,
        IEnumerable<Contact>? contacts = null, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        options ??= new RoutingOptions();
        var environment = new EvaluationEnvironment(options.DefaultLanguage, options.DefaultExpiryDays, options.ResolveTimeZone(),
            now ?? DateTimeOffset.UtcNow, contacts is null ? ContactDirectory.Empty : new ContactDirectory(contacts));
        return Evaluate(Compile(rules), input, environment);
    }

    internal static IReadOnlyList<CompiledRule> Compile(IEnumerable<RoutingRule> rules) =>
        [.. rules.OrderBy(r => r.Order).ThenBy(r => r.Id).Select(r => new CompiledRule(r))];

    internal static RoutingDecision Evaluate(IReadOnlyList<CompiledRule> rules, RoutingInput input, EvaluationEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = new EvaluationContext(input);
        var local = TimeZoneInfo.ConvertTime(input.ReceivedAt ?? environment.Now, environment.TimeZone).DateTime;
        var collector = new Collector(input, environment);
        var trace = new List<RuleTrace>(rules.Count);
        foreach (var compiled in rules)
        {
            var rule = compiled.Rule;
            var id = rule.Id > 0 ? rule.Id : (long?)null;
            if (!rule.Enabled)
            {
                trace.Add(new RuleTrace(id, rule.Name, Enabled: false, Matched: false, StoppedHere: false, [], null));
                continue;
            }
            var conditions = compiled.Conditions.Select(c => new ConditionTrace(c.Description, c.Matches(context))).ToList();
            var conditionsHold = conditions.Count == 0 || (rule.Match == RuleMatchMode.All ? conditions.All(c => c.Matched) : conditions.Any(c => c.Matched));
            bool? inWindow = compiled.TimeWindow?.Contains(local);
            var matched = conditionsHold && inWindow != false;
            var stops = matched && rule.StopOnMatch;
            if (matched) collector.Add(id, rule);
            trace.Add(new RuleTrace(id, rule.Name, Enabled: true, matched, stops, conditions, inWindow));
            if (stops) break;
        }
        return collector.Decide(trace);
    }

    /// <summary>Gathers the actions of matched rules, resolving recipients as it goes.</summary>
    private sealed class Collector(RoutingInput input, EvaluationEnvironment environment)
    {
        private readonly List<ShipPlan> _ships = [];
        private readonly List<ForwardPlan> _forwards = [];
        private readonly List<HoldPlan> _holds = [];
        private readonly List<string> _warnings = [];
        private DiscardPlan? _discard;

        public void Add(long? id, RoutingRule rule)
        {
            foreach (var action in rule.Actions)
            {
                switch (action)
                {
                    case ShipAction ship:
                        var recipients = Resolve(rule.Name, ship);
                        if (recipients.Count == 0)
                        {
                            _warnings.Add($"Rule \"{rule.Name}\": the ship action found no recipient, so it ships nothing");
                            break;
                        }
                        _ships.Add(new ShipPlan(id, rule.Name, recipients, ship.ExpiryDays ?? environment.DefaultExpiryDays, ship.MaxDownloads,
                            ship.NotifyEmail, ship.SenderName, ship.SenderOrganisation));
                        break;
                    case ForwardAction forward:
                        if (!_forwards.Any(f => f.NodeId == forward.NodeId)) _forwards.Add(new ForwardPlan(id, rule.Name, forward.NodeId));
                        break;
                    case HoldAction:
                        _holds.Add(new HoldPlan(id, rule.Name));
                        break;
                    case DiscardAction discard:
                        if (_discard is null) _discard = new DiscardPlan(id, rule.Name, discard.Reason);
                        else _warnings.Add($"Rule \"{rule.Name}\" also says discard; the reason of rule \"{_discard.RuleName}\" is kept");
                        break;
                }
            }
        }

        private List<PlannedRecipient> Resolve(string ruleName, ShipAction ship)
        {
            var planned = new List<PlannedRecipient>();
            void Add(string? email, string? phone, string language, long? contactId)
            {
                if (email is null && phone is null) return;
                if (planned.Any(p => string.Equals(p.Email, email, StringComparison.OrdinalIgnoreCase) && p.Phone == phone)) return;
                planned.Add(new PlannedRecipient(email, phone, language, contactId));
            }

            foreach (var recipient in ship.Recipients ?? [])
            {
                if (recipient.ContactId is { } contactId)
                {
                    var contact = environment.Contacts.Find(contactId);
                    if (contact is null)
                    {
                        _warnings.Add($"Rule \"{ruleName}\": contact {contactId} is no longer in the address book; skipped");
                        continue;
                    }
                    Add(contact.Email, contact.Phone, recipient.Language ?? ship.Language ?? contact.Language ?? environment.DefaultLanguage, contact.Id);
                }
                else
                {
                    Add(recipient.Email, recipient.Phone, recipient.Language ?? ship.Language ?? environment.DefaultLanguage, null);
                }
            }

            if (ship.LookupAttribute is { } lookup && AttributeKey.TryResolve(lookup, out var tag))
            {
                var found = AttributeValues.Of(input.Header, tag, out _)
                    .Where(v => v.Trim().Length > 0)
                    .SelectMany(environment.Contacts.FindByDicomName)
                    .DistinctBy(c => c.Id)
                    .ToList();
                if (found.Count == 0) _warnings.Add($"Rule \"{ruleName}\": no address-book contact matches the study's {lookup.Trim()}");
                foreach (var contact in found)
                    Add(contact.Email, contact.Phone, ship.Language ?? contact.Language ?? environment.DefaultLanguage, contact.Id);
            }
            return planned;
        }

        public RoutingDecision Decide(IReadOnlyList<RuleTrace> trace)
        {
            RoutingDisposition disposition;
            DiscardPlan? discard = null;
            if (_ships.Count > 0 || _forwards.Count > 0)
            {
                disposition = RoutingDisposition.Act;
                foreach (var hold in _holds)
                    _warnings.Add($"Rule \"{hold.RuleName}\" says hold, but other matched rules ship or forward the study; it is not held");
                if (_discard is not null)
                    _warnings.Add($"Rule \"{_discard.RuleName}\" says discard, but other matched rules ship or forward the study; it is not discarded");
            }
            else if (_holds.Count > 0)
            {
                disposition = RoutingDisposition.Held;
                if (_discard is not null)
                    _warnings.Add($"Rule \"{_discard.RuleName}\" says discard, but rule \"{_holds[0].RuleName}\" holds the study; it is not discarded");
            }
            else if (_discard is not null)
            {
                disposition = RoutingDisposition.Discard;
                discard = _discard;
            }
            else
            {
                disposition = RoutingDisposition.Held;
                if (!trace.Any(t => t.Matched)) _warnings.Add("No rule matched; the study is held for an administrator");
            }
            return new RoutingDecision
            {
                Disposition = disposition,
                Trace = trace,
                Ships = _ships,
                Forwards = _forwards,
                Holds = _holds,
                Discard = discard,
                Warnings = _warnings,
            };
        }
    }
}

/// <summary>What evaluation needs besides the rules and the study: defaults, the time zone, the clock, the address book.</summary>
internal sealed record EvaluationEnvironment(string DefaultLanguage, int DefaultExpiryDays, TimeZoneInfo TimeZone, DateTimeOffset Now, ContactDirectory Contacts);

/// <summary>A rule with its conditions and time window in the form evaluation uses.</summary>
internal sealed class CompiledRule
{
    public CompiledRule(RoutingRule rule)
    {
        Rule = rule;
        Conditions = [.. (rule.Conditions ?? []).Select(CompiledCondition.Compile)];
        TimeWindow = rule.TimeWindow is null ? null : new CompiledTimeWindow(rule.TimeWindow);
    }

    public RoutingRule Rule { get; }

    public IReadOnlyList<CompiledCondition> Conditions { get; }

    public CompiledTimeWindow? TimeWindow { get; }

    /// <summary>Every called AE title condition of the rule, in groups too.</summary>
    public IEnumerable<CompiledAeTitle> CalledAeTitleConditions() => Walk(Conditions).OfType<CompiledAeTitle>().Where(c => c.Called);

    private static IEnumerable<CompiledCondition> Walk(IEnumerable<CompiledCondition> conditions)
    {
        foreach (var c in conditions)
        {
            yield return c;
            if (c is CompiledGroup g)
            {
                foreach (var inner in Walk(g.Conditions)) yield return inner;
            }
        }
    }
}
