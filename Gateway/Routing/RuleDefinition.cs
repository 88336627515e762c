using System.Text.Json;
using System.Text.Json.Serialization;
using DicomGateway.Hosting;

namespace DicomGateway.Routing;

/// <summary>
/// What the database keeps in <c>routing_rules.definition</c>: a versioned JSON document of how conditions combine,
/// the conditions, the time window and the actions. Name, order and enabled state are columns, since lists and the
/// administration page sort and filter on them. Version 1 documents (written before routing v2) are still read, and
/// mean what they meant: see <see cref="RuleDefinitionV1"/>. Writes are always the current version.
/// </summary>
/// <example>
/// {"version":2,"stopOnMatch":true,"match":"all",
///  "conditions":[{"kind":"calledAeTitle","op":"equals","value":"KARDIO"},{"kind":"attribute","key":"Modality","op":"wildcard","value":"CT"}],
///  "timeWindow":{"days":["mon","tue"],"from":"07:00","to":"15:30"},
///  "actions":[{"kind":"ship","recipients":[{"email":"dr.novak@example.org","language":"cs"}],"expiryDays":7}]}
/// </example>
internal sealed record RuleDefinition
{
    public const int CurrentVersion = 2;

    public int Version { get; init; } = CurrentVersion;

    public bool StopOnMatch { get; init; } = true;

    public RuleMatchMode Match { get; init; } = RuleMatchMode.All;

    public IReadOnlyList<RuleCondition> Conditions { get; init; } = [];

    public TimeWindow? TimeWindow { get; init; }

    public IReadOnlyList<RuleAction> Actions { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, RuleJson.Options);

    /// <exception cref="JsonException">Not a rule definition, or one newer than this gateway understands.</exception>
    public static RuleDefinition FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var version = document.RootElement.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 1;
        return version switch
        {
            1 => (document.RootElement.Deserialize<RuleDefinitionV1>(RuleJson.Options) ?? throw new JsonException("A rule definition is null")).ToCurrent(),
            CurrentVersion => document.RootElement.Deserialize<RuleDefinition>(RuleJson.Options) ?? throw new JsonException("A rule definition is null"),
            _ => throw new JsonException($"Rule definition version {version} is not one this gateway understands (1 to {CurrentVersion})"),
        };
    }

    public static RuleDefinition FromRule(RoutingRule rule) => new()
    {
        StopOnMatch = rule.StopOnMatch,
        Match = rule.Match,
        Conditions = rule.Conditions,
        TimeWindow = rule.TimeWindow,
        Actions = rule.Actions,
    };

    public RoutingRule ToRule(long id, string name, int order, bool enabled) => new()
    {
        Id = id,
        Name = name,
        Order = order,
        Enabled = enabled,
        StopOnMatch = StopOnMatch,
        Match = Match,
        Conditions = Conditions ?? [],
        TimeWindow = TimeWindow,
        Actions = Actions ?? [],
    };
}

/// <summary>The JSON settings of rules, for the stored document and the admin API alike: camelCase, nulls left out, "kind" anywhere in an object.</summary>
public static class RuleJson
{
    public static JsonSerializerOptions Options => ApiJson.Options;
}

/// <summary>
/// The first stored format (routing v1): conditions all had to hold; AE titles compared exactly (case-sensitive,
/// trimmed); attribute patterns were C-FIND wildcards; the only action was "ship", and a ship without recipients meant
/// "held". Read only, and turned into the same rule in today's model.
/// </summary>
internal sealed record RuleDefinitionV1
{
    public int Version { get; init; } = 1;

    public bool StopOnMatch { get; init; } = true;

    public IReadOnlyList<Condition> Conditions { get; init; } = [];

    public IReadOnlyList<Action> Actions { get; init; } = [];

    public RuleDefinition ToCurrent() => new()
    {
        StopOnMatch = StopOnMatch,
        Match = RuleMatchMode.All,
        Conditions = [.. (Conditions ?? []).Select(c => c.ToCurrent())],
        Actions = [.. (Actions ?? []).OfType<Ship>().Where(s => s.Recipients is { Count: > 0 }).Select(s => s.ToCurrent())],
    };

    [JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
    [JsonDerivedType(typeof(CalledAeTitle), "calledAeTitle")]
    [JsonDerivedType(typeof(CallingAeTitle), "callingAeTitle")]
    [JsonDerivedType(typeof(Attribute), "attribute")]
    internal abstract record Condition
    {
        public abstract RuleCondition ToCurrent();
    }

    internal sealed record CalledAeTitle(string AeTitle) : Condition
    {
        public override RuleCondition ToCurrent() => new CalledAeTitleCondition { Op = ConditionOp.Equal, Value = AeTitle };
    }

    internal sealed record CallingAeTitle(string AeTitle) : Condition
    {
        public override RuleCondition ToCurrent() => new CallingAeTitleCondition { Op = ConditionOp.Equal, Value = AeTitle };
    }

    /// <summary><see cref="Key"/> as the administrator wrote it, <see cref="Tag"/> what it resolved to when saved.</summary>
    internal sealed record Attribute(string Key, string Tag, string Pattern) : Condition
    {
        public override RuleCondition ToCurrent() => new AttributeCondition
        {
            Key = AttributeKey.TryResolve(Key, out _) ? Key : Tag,
            Op = ConditionOp.Wildcard,
            Value = Pattern,
        };
    }

    [JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
    [JsonDerivedType(typeof(Ship), "ship")]
    internal abstract record Action;

    internal sealed record Ship : Action
    {
        public IReadOnlyList<ShipRecipient> Recipients { get; init; } = [];
        public int? ExpiryDays { get; init; }
        public int? MaxDownloads { get; init; }
        public string? NotifyEmail { get; init; }
        public string? SenderName { get; init; }
        public string? SenderOrganisation { get; init; }

        public ShipAction ToCurrent() => new()
        {
            Recipients = [.. Recipients.Select(r => new ShipRecipient { Email = r.Email, Phone = r.Phone, Language = r.Language })],
            ExpiryDays = ExpiryDays,
            MaxDownloads = MaxDownloads,
            NotifyEmail = NotifyEmail,
            SenderName = SenderName,
            SenderOrganisation = SenderOrganisation,
        };
    }
}
