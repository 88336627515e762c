namespace DicomGateway.Routing;

/// <summary>
/// One routing rule as administrators see it: when a study matches <see cref="Match"/>, it is shipped to
/// <see cref="Recipients"/>. Rules are evaluated by ascending <see cref="Order"/> (then <see cref="Id"/>).
/// Serialisable with System.Text.Json as it stands; the database keeps a versioned document of conditions and
/// actions instead (see <see cref="RuleDefinition"/>), so that new kinds of either add to it without rewriting rows.
/// </summary>
public sealed record RoutingRule
{
    /// <summary>Assigned by the store; ignored by <see cref="RuleStore.AddAsync"/>.</summary>
    public long Id { get; init; }

    public string Name { get; init; } = "";

    public int Order { get; init; }

    public bool Enabled { get; init; } = true;

    /// <summary>True: a match ends evaluation. False: later rules are evaluated too, and every match applies.</summary>
    public bool StopOnMatch { get; init; } = true;

    public RuleMatch Match { get; init; } = new();

    /// <summary>May be empty: the rule still matches (and may stop evaluation), but it ships to no one.</summary>
    public IReadOnlyList<RuleRecipient> Recipients { get; init; } = [];

    /// <summary>Days until the shipment expires; null takes <see cref="RoutingOptions.DefaultExpiryDays"/>.</summary>
    public int? ExpiryDays { get; init; }

    /// <summary>Downloads allowed per shipment; null means no limit.</summary>
    public int? MaxDownloads { get; init; }

    /// <summary>The sender side's address for "opened" and "expired unopened" notices.</summary>
    public string? NotifyEmail { get; init; }

    public string? SenderName { get; init; }

    public string? SenderOrganisation { get; init; }
}

/// <summary>
/// What a study must look like for a rule to apply. Every part is optional and all given parts must match; an empty
/// match matches every study. A blank value (empty or spaces) counts as not given.
/// </summary>
public sealed record RuleMatch
{
    /// <summary>The AE title the modality called us by, compared exactly after trimming spaces (AE titles are case-sensitive, PS3.5 6.2).</summary>
    public string? CalledAeTitle { get; init; }

    /// <summary>The modality's own AE title, compared like <see cref="CalledAeTitle"/>.</summary>
    public string? CallingAeTitle { get; init; }

    /// <summary>
    /// Attribute → <see cref="WildcardPattern"/>. Keys are PS3.6 keywords ("Modality") or tags ("(0008,1030)",
    /// "0008,1030", "00081030"). A multi-valued attribute matches when any value does; a person name is compared in its
    /// whole string form ("Novak^Jan", with any ideographic groups after "="). A missing or empty attribute matches
    /// only the pattern "*".
    /// </summary>
    public IReadOnlyDictionary<string, string>? Attributes { get; init; }
}

/// <summary>Who receives a shipment: the link goes by e-mail, the code by SMS.</summary>
public sealed record RuleRecipient
{
    public string? Email { get; init; }

    public string? Phone { get; init; }

    /// <summary>"cs", "pl" or "en"; null takes <see cref="RoutingOptions.DefaultLanguage"/>.</summary>
    public string? Language { get; init; }
}
