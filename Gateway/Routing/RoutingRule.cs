using System.Text.Json.Serialization;

namespace DicomGateway.Routing;

/// <summary>
/// One routing rule as administrators see it (the admin API's JSON, docs/admin-api.md): when a study passes
/// <see cref="Conditions"/> (combined by <see cref="Match"/>) inside the <see cref="TimeWindow"/>, the rule's
/// <see cref="Actions"/> apply. Rules are evaluated by ascending <see cref="Order"/>, then <see cref="Id"/>. The database
/// keeps everything but id, name, order and enabled state as a versioned document (<see cref="RuleDefinition"/>).
/// </summary>
public sealed record RoutingRule
{
    /// <summary>Assigned by the store; ignored by <see cref="RuleStore.AddAsync"/>.</summary>
    public long Id { get; init; }

    public string Name { get; init; } = "";

    public int Order { get; init; }

    public bool Enabled { get; init; } = true;

    /// <summary>True: a match ends evaluation. False: later rules are evaluated too, and every match contributes its actions.</summary>
    public bool StopOnMatch { get; init; } = true;

    /// <summary>Whether all <see cref="Conditions"/> must hold, or any one of them.</summary>
    public RuleMatchMode Match { get; init; } = RuleMatchMode.All;

    /// <summary>May be empty: the rule then matches every study (whatever <see cref="Match"/> says).</summary>
    public IReadOnlyList<RuleCondition> Conditions { get; init; } = [];

    /// <summary>When given, the rule matches only studies received inside it (in Routing:TimeZone).</summary>
    public TimeWindow? TimeWindow { get; init; }

    /// <summary>May be empty: the rule still matches (and may stop evaluation), but does nothing, so the study is held.</summary>
    public IReadOnlyList<RuleAction> Actions { get; init; } = [];
}

/// <summary>How a list of conditions combines.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RuleMatchMode>))]
public enum RuleMatchMode
{
    /// <summary>Every condition must hold.</summary>
    [JsonStringEnumMemberName("all")] All,

    /// <summary>At least one condition must hold.</summary>
    [JsonStringEnumMemberName("any")] Any,
}

/// <summary>How a condition compares. AE title conditions take the first three; attribute conditions all five.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConditionOp>))]
public enum ConditionOp
{
    /// <summary>The whole value equals the condition's value (after trimming trailing spaces; person names ignore case).</summary>
    [JsonStringEnumMemberName("equals")] Equal,

    /// <summary>C-FIND wildcards: <c>*</c> any run of characters, <c>?</c> one character (<see cref="WildcardPattern"/>).</summary>
    [JsonStringEnumMemberName("wildcard")] Wildcard,

    /// <summary>A .NET regular expression, run without backtracking; it matches anywhere unless anchored with ^ and $.</summary>
    [JsonStringEnumMemberName("regex")] Regex,

    /// <summary>The attribute is in the header with a value that is not empty.</summary>
    [JsonStringEnumMemberName("present")] Present,

    /// <summary>The negation of <see cref="Present"/>: missing, or empty.</summary>
    [JsonStringEnumMemberName("absent")] Absent,
}

/// <summary>
/// One test a study must pass. The "kind" discriminator names the type, in the API and in the stored document alike;
/// a new kind is a new subclass, and documents that do not use it never change.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(CallingAeTitleCondition), "callingAeTitle")]
[JsonDerivedType(typeof(CalledAeTitleCondition), "calledAeTitle")]
[JsonDerivedType(typeof(SourceAddressCondition), "sourceAddress")]
[JsonDerivedType(typeof(AttributeCondition), "attribute")]
[JsonDerivedType(typeof(GroupCondition), "group")]
public abstract record RuleCondition;

/// <summary>The modality's own AE title, trimmed, compared case-sensitively (AE titles are, PS3.5 6.2).</summary>
public sealed record CallingAeTitleCondition : RuleCondition
{
    public ConditionOp Op { get; init; } = ConditionOp.Equal;

    public string Value { get; init; } = "";
}

/// <summary>The AE title the modality called the gateway by; compared like <see cref="CallingAeTitleCondition"/>.</summary>
public sealed record CalledAeTitleCondition : RuleCondition
{
    public ConditionOp Op { get; init; } = ConditionOp.Equal;

    public string Value { get; init; } = "";
}

/// <summary>The peer's IP address is <see cref="Network"/> ("10.0.0.5", "2001:db8::1") or inside it ("10.1.0.0/16", "2001:db8::/32").</summary>
public sealed record SourceAddressCondition : RuleCondition
{
    public string Network { get; init; } = "";
}

/// <summary>
/// An attribute of the study's header. <see cref="Key"/> is a PS3.6 keyword ("Modality") or a tag ("(0008,0060)",
/// "0008,0060", "00080060"); <see cref="Value"/> is needed by every op except present and absent.
/// </summary>
public sealed record AttributeCondition : RuleCondition
{
    public string Key { get; init; } = "";

    public ConditionOp Op { get; init; } = ConditionOp.Equal;

    public string? Value { get; init; }
}

/// <summary>Conditions of their own, combined by their own <see cref="Match"/>: "CT from CT1, or anything from CT2".</summary>
public sealed record GroupCondition : RuleCondition
{
    public RuleMatchMode Match { get; init; } = RuleMatchMode.All;

    public IReadOnlyList<RuleCondition> Conditions { get; init; } = [];
}

/// <summary>
/// When a rule applies: on <see cref="Days"/> (none given: every day), from <see cref="From"/> up to, not including,
/// <see cref="To"/> ("HH:mm", 24-hour clock). A window whose end is before its start runs overnight, and belongs to the
/// day it starts on: "fri 22:00-06:00" covers Friday night into Saturday morning. Equal start and end: the whole day.
/// </summary>
public sealed record TimeWindow
{
    /// <summary>"mon", "tue", "wed", "thu", "fri", "sat", "sun".</summary>
    public IReadOnlyList<string>? Days { get; init; }

    public string From { get; init; } = "00:00";

    public string To { get; init; } = "00:00";
}

/// <summary>What happens to a matching study.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(ShipAction), "ship")]
[JsonDerivedType(typeof(ForwardAction), "forward")]
[JsonDerivedType(typeof(HoldAction), "hold")]
[JsonDerivedType(typeof(DiscardAction), "discard")]
public abstract record RuleAction;

/// <summary>
/// Seal the study into a shipment for these recipients: literal ones, address-book contacts by id, and the contacts
/// whose DICOM names match the study's <see cref="LookupAttribute"/> (e.g. ReferringPhysicianName).
/// </summary>
public sealed record ShipAction : RuleAction
{
    public IReadOnlyList<ShipRecipient> Recipients { get; init; } = [];

    /// <summary>A keyword or tag; every contact one of whose DICOM names equals the study's value (as person names) receives the shipment.</summary>
    public string? LookupAttribute { get; init; }

    /// <summary>Days until the shipment expires; null takes Routing:DefaultExpiryDays.</summary>
    public int? ExpiryDays { get; init; }

    /// <summary>Downloads allowed per shipment; null means no limit.</summary>
    public int? MaxDownloads { get; init; }

    /// <summary>Language for recipients that name none ("cs", "pl", "en"); before a contact's own language and Routing:DefaultLanguage.</summary>
    public string? Language { get; init; }

    /// <summary>The sender side's address for "opened" and "expired unopened" notices.</summary>
    public string? NotifyEmail { get; init; }

    public string? SenderName { get; init; }

    public string? SenderOrganisation { get; init; }
}

/// <summary>
/// Who receives a shipment: either a literal address (<see cref="Email"/> for the link, <see cref="Phone"/> for the code,
/// at least one of them) or an address-book contact (<see cref="ContactId"/>, whose addresses are read when the study is routed).
/// </summary>
public sealed record ShipRecipient
{
    public string? Email { get; init; }

    public string? Phone { get; init; }

    /// <summary>"cs", "pl" or "en"; null: the action's, then the contact's, then Routing:DefaultLanguage.</summary>
    public string? Language { get; init; }

    public long? ContactId { get; init; }
}

/// <summary>Send the study on to a DICOM node of the node registry (by C-STORE).</summary>
public sealed record ForwardAction : RuleAction
{
    public long NodeId { get; init; }
}

/// <summary>Keep the study for an administrator to address by hand.</summary>
public sealed record HoldAction : RuleAction;

/// <summary>Erase the study (the erasure is audited with <see cref="Reason"/>).</summary>
public sealed record DiscardAction : RuleAction
{
    public string? Reason { get; init; }
}
