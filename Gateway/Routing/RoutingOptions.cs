namespace DicomGateway.Routing;

/// <summary>
/// Bound from the "Routing" section. <see cref="Rules"/> seed the database on the gateway's first start only; from then
/// on the database is the source of truth (rules are edited there), and this list is ignored.
/// </summary>
public sealed class RoutingOptions
{
    public const string Section = "Routing";

    /// <summary>Rules inserted on first start, in this order.</summary>
    public List<RoutingRuleSeed> Rules { get; set; } = [];

    /// <summary>Language of notices for a recipient that names none: "cs", "pl" or "en".</summary>
    public string DefaultLanguage { get; set; } = "en";

    /// <summary>Days until a shipment expires when its rule names none.</summary>
    public int DefaultExpiryDays { get; set; } = 7;

    /// <summary>
    /// The time zone of rules' time windows: an IANA id such as "Europe/Prague" (Windows ids work on Windows). Empty:
    /// the machine's local zone.
    /// </summary>
    public string? TimeZone { get; set; }

    /// <summary>The zone <see cref="TimeZone"/> names, or the local one.</summary>
    public TimeZoneInfo ResolveTimeZone() =>
        string.IsNullOrWhiteSpace(TimeZone) ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(TimeZone.Trim());

    internal bool TimeZoneIsKnown() => string.IsNullOrWhiteSpace(TimeZone) || TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone.Trim(), out _);
}

/// <summary>
/// A rule as written in configuration (the seed format of routing v1). Plain settable properties, lists and dictionaries, so that appsettings.json and
/// environment variables (<c>Routing__Rules__0__Recipients__0__Email</c>) bind alike. This format is a promise to
/// administrators: it keeps working whatever the stored definition becomes.
/// </summary>
public sealed class RoutingRuleSeed
{
    public string? Name { get; set; }

    public bool Enabled { get; set; } = true;

    public bool StopOnMatch { get; set; } = true;

    public RuleMatchSeed Match { get; set; } = new();

    public List<RuleRecipientSeed> Recipients { get; set; } = [];

    public int? ExpiryDays { get; set; }

    public int? MaxDownloads { get; set; }

    public string? NotifyEmail { get; set; }

    public string? SenderName { get; set; }

    public string? SenderOrganisation { get; set; }

    /// <summary>
    /// The rule to store; <paramref name="order"/> comes from the seed's position. The AE titles become "equals"
    /// conditions, the attribute patterns "wildcard" ones (in that order), and the recipients one ship action; a seed
    /// without recipients matches, stops if it says so, and leaves the study held, as it always did.
    /// </summary>
    public RoutingRule ToRule(int order)
    {
        var conditions = new List<RuleCondition>();
        if (Blank(Match?.CalledAeTitle) is { } called) conditions.Add(new CalledAeTitleCondition { Op = ConditionOp.Equal, Value = called });
        if (Blank(Match?.CallingAeTitle) is { } calling) conditions.Add(new CallingAeTitleCondition { Op = ConditionOp.Equal, Value = calling });
        foreach (var (key, pattern) in Match?.Attributes ?? [])
            conditions.Add(new AttributeCondition { Key = key.Trim(), Op = ConditionOp.Wildcard, Value = pattern });
        var actions = new List<RuleAction>();
        if (Recipients is { Count: > 0 })
        {
            actions.Add(new ShipAction
            {
                Recipients = [.. Recipients.Select(r => new ShipRecipient { Email = Blank(r.Email), Phone = Blank(r.Phone), Language = Blank(r.Language) })],
                ExpiryDays = ExpiryDays,
                MaxDownloads = MaxDownloads,
                NotifyEmail = Blank(NotifyEmail),
                SenderName = Blank(SenderName),
                SenderOrganisation = Blank(SenderOrganisation),
            });
        }
        return new RoutingRule
        {
            Name = Name?.Trim() ?? "",
            Order = order,
            Enabled = Enabled,
            StopOnMatch = StopOnMatch,
            Match = RuleMatchMode.All,
            Conditions = conditions,
            Actions = actions,
        };
    }

    /// <summary>
    /// The seed's own name for a field of the rule <see cref="ToRule"/> made, so that an error points into the
    /// configuration: "conditions[2].value" is "Match:Attributes:StudyDescription", "actions[0].recipients[0].email"
    /// is "Recipients:0:Email".
    /// </summary>
    public string FieldOf(RoutingRule rule, string path)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(path);
        if (path.StartsWith("conditions[", StringComparison.Ordinal))
        {
            var close = path.IndexOf(']', StringComparison.Ordinal);
            if (close > 0 && int.TryParse(path.AsSpan(11, close - 11), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) &&
                i < rule.Conditions.Count)
            {
                return rule.Conditions[i] switch
                {
                    CalledAeTitleCondition => "Match:CalledAeTitle",
                    CallingAeTitleCondition => "Match:CallingAeTitle",
                    AttributeCondition a => "Match:Attributes:" + a.Key,
                    _ => "Match",
                };
            }
            return "Match";
        }
        var rest = path.StartsWith("actions[0].", StringComparison.Ordinal) ? path["actions[0].".Length..] : path;
        var parts = rest.Replace("[", ".", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal)
            .Split('.', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(':', parts.Select(p => p.Length > 0 && char.IsAsciiLetterLower(p[0]) ? char.ToUpperInvariant(p[0]) + p[1..] : p));
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

public sealed class RuleMatchSeed
{
    public string? CalledAeTitle { get; set; }

    public string? CallingAeTitle { get; set; }

    public Dictionary<string, string> Attributes { get; set; } = [];
}

public sealed class RuleRecipientSeed
{
    public string? Email { get; set; }

    public string? Phone { get; set; }

    public string? Language { get; set; }
}
