using System.Text.Json;
using System.Text.Json.Serialization;

namespace DicomGateway.Routing;

/// <summary>
/// What the database keeps in <c>routing_rules.definition</c>: a versioned JSON document of conditions (all must
/// hold) and actions (each applies on a match). Later issues add condition and action kinds as new discriminated
/// types, so a row written today stays readable and means the same. Name, order and enabled state are columns, since
/// lists and the administration page sort and filter on them.
/// </summary>
/// <example>
/// {"version":1,"stopOnMatch":true,
///  "conditions":[{"kind":"calledAeTitle","aeTitle":"KARDIO"},{"kind":"attribute","key":"Modality","tag":"(0008,0060)","pattern":"CT"}],
///  "actions":[{"kind":"ship","recipients":[{"email":"dr.novak@example.org","language":"cs"}],"expiryDays":7}]}
/// </example>
internal sealed record RuleDefinition
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public bool StopOnMatch { get; init; } = true;

    public IReadOnlyList<RuleCondition> Conditions { get; init; } = [];

    public IReadOnlyList<RuleAction> Actions { get; init; } = [];

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        AllowOutOfOrderMetadataProperties = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RuleDefinition FromJson(string json)
    {
        var definition = JsonSerializer.Deserialize<RuleDefinition>(json, Json) ?? throw new JsonException("A rule definition is null");
        if (definition.Version > CurrentVersion)
            throw new JsonException($"Rule definition version {definition.Version} is newer than this gateway understands ({CurrentVersion})");
        return definition;
    }

    /// <summary>The stored form of a (validated) rule: attribute keys are resolved to tags here.</summary>
    public static RuleDefinition FromRule(RoutingRule rule)
    {
        var conditions = new List<RuleCondition>();
        if (Given(rule.Match.CalledAeTitle) is { } called) conditions.Add(new CalledAeTitleCondition(called));
        if (Given(rule.Match.CallingAeTitle) is { } calling) conditions.Add(new CallingAeTitleCondition(calling));
        foreach (var (key, pattern) in rule.Match.Attributes ?? new Dictionary<string, string>())
        {
            if (!AttributeKey.TryResolve(key, out var tag)) throw new ArgumentException($"Match:Attributes:{key} is not a DICOM keyword or tag", nameof(rule));
            conditions.Add(new AttributeCondition(key.Trim(), tag.ToString(), pattern));
        }
        var actions = new List<RuleAction>();
        var ship = new ShipAction
        {
            Recipients = rule.Recipients,
            ExpiryDays = rule.ExpiryDays,
            MaxDownloads = rule.MaxDownloads,
            NotifyEmail = rule.NotifyEmail,
            SenderName = rule.SenderName,
            SenderOrganisation = rule.SenderOrganisation,
        };
        if (!ship.IsEmpty) actions.Add(ship);
        return new RuleDefinition { StopOnMatch = rule.StopOnMatch, Conditions = conditions, Actions = actions };
    }

    /// <summary>The administrator's view of a stored rule.</summary>
    public RoutingRule ToRule(long id, string name, int order, bool enabled)
    {
        string? called = null, calling = null;
        Dictionary<string, string>? attributes = null;
        foreach (var condition in Conditions)
        {
            switch (condition)
            {
                case CalledAeTitleCondition c: called = c.AeTitle; break;
                case CallingAeTitleCondition c: calling = c.AeTitle; break;
                case AttributeCondition a: (attributes ??= new(StringComparer.Ordinal))[a.Key] = a.Pattern; break;
                default: throw new NotSupportedException($"Condition {condition.GetType().Name} has no place in {nameof(RuleMatch)} yet");
            }
        }
        var ship = Actions.OfType<ShipAction>().FirstOrDefault() ?? new ShipAction();
        return new RoutingRule
        {
            Id = id,
            Name = name,
            Order = order,
            Enabled = enabled,
            StopOnMatch = StopOnMatch,
            Match = new RuleMatch { CalledAeTitle = called, CallingAeTitle = calling, Attributes = attributes },
            Recipients = ship.Recipients,
            ExpiryDays = ship.ExpiryDays,
            MaxDownloads = ship.MaxDownloads,
            NotifyEmail = ship.NotifyEmail,
            SenderName = ship.SenderName,
            SenderOrganisation = ship.SenderOrganisation,
        };
    }

    /// <summary>Blank AE titles are "not given": environment variables cannot express null, only empty.</summary>
    internal static string? Given(string? aeTitle) => string.IsNullOrWhiteSpace(aeTitle) ? null : aeTitle.Trim();
}

/// <summary>What happens to a matching study. Forward and discard come later, as new kinds.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(ShipAction), "ship")]
internal abstract record RuleAction;

/// <summary>Seal the study into a shipment for these recipients.</summary>
internal sealed record ShipAction : RuleAction
{
    public IReadOnlyList<RuleRecipient> Recipients { get; init; } = [];

    public int? ExpiryDays { get; init; }

    public int? MaxDownloads { get; init; }

    public string? NotifyEmail { get; init; }

    public string? SenderName { get; init; }

    public string? SenderOrganisation { get; init; }

    [JsonIgnore]
    public bool IsEmpty => Recipients.Count == 0 && ExpiryDays is null && MaxDownloads is null && NotifyEmail is null && SenderName is null && SenderOrganisation is null;
}
