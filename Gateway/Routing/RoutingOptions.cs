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
}

/// <summary>
/// A rule as written in configuration. Plain settable properties, lists and dictionaries, so that appsettings.json and
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

    /// <summary>The rule to store; <paramref name="order"/> comes from the seed's position.</summary>
    public RoutingRule ToRule(int order) => new()
    {
        Name = Name?.Trim() ?? "",
        Order = order,
        Enabled = Enabled,
        StopOnMatch = StopOnMatch,
        Match = new RuleMatch
        {
            CalledAeTitle = RuleDefinition.Given(Match.CalledAeTitle),
            CallingAeTitle = RuleDefinition.Given(Match.CallingAeTitle),
            Attributes = Match.Attributes is { Count: > 0 } a ? new Dictionary<string, string>(a, StringComparer.Ordinal) : null,
        },
        Recipients = [.. Recipients.Select(r => new RuleRecipient { Email = Blank(r.Email), Phone = Blank(r.Phone), Language = Blank(r.Language) })],
        ExpiryDays = ExpiryDays,
        MaxDownloads = MaxDownloads,
        NotifyEmail = Blank(NotifyEmail),
        SenderName = Blank(SenderName),
        SenderOrganisation = Blank(SenderOrganisation),
    };

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
