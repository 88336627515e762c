using System.Net.Mail;
using DicomGateway.AddressBook;
using DicomGateway.Hosting;
using DicomKit.Data;

namespace DicomGateway.Routing;

/// <summary>
/// One problem with a rule. <see cref="Field"/> is a path into the rule's JSON ("conditions[2].value",
/// "actions[0].recipients[1].email"), the key of the admin API's <c>400 {"error":"invalid","errors":{path:[...]}}</c>;
/// for a rule seeded from configuration it is the configuration key ("Routing:Rules:0:Recipients:0:Email").
/// </summary>

/// <summary>A rule was refused. The message names every field at fault.</summary>
public sealed class RuleValidationException : Exception
{
    public RuleValidationException(string message, IReadOnlyList<FieldError> errors) : base(message) => Errors = errors;

    public RuleValidationException() : this("The routing rule is not valid", []) { }

    public RuleValidationException(string message) : this(message, []) { }

    public RuleValidationException(string message, Exception innerException) : base(message, innerException) => Errors = [];

    public IReadOnlyList<FieldError> Errors { get; }

    /// <summary>The errors grouped by field, as the admin API answers them.</summary>
    public IDictionary<string, string[]> ByField() => FieldError.Group(Errors);
}

/// <summary>
/// The checks of a rule's own content, before it is saved, seeded or tried in a dry run. Whether the nodes and
/// contacts it names exist is checked by <see cref="RuleStore.ValidateAsync"/>, which has the directories.
/// </summary>
public sealed class RuleValidator(IPhoneNumberValidator phoneNumbers)
{
    public const int MaxNameLength = 200;
    public const int MaxAeTitleLength = 16;
    public const int MaxConditions = 64;
    public const int MaxActions = 16;
    public const int MaxRecipients = 50;
    public const int MaxSenderTextLength = 200;
    public const int MaxValueLength = 1024;
    public const int MaxRegexLength = 256;
    public const int MaxReasonLength = 500;

    /// <summary>Groups inside groups: a rule is read by people, and three levels is already a lot to read.</summary>
    public const int MaxGroupDepth = 3;

    public const int MinExpiryDays = 1;
    public const int MaxExpiryDays = 365;

    /// <summary>The languages notices are written in.</summary>

    public IReadOnlyList<FieldError> Validate(RoutingRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var errors = new List<FieldError>();
        void Fail(string field, string message) => errors.Add(new FieldError(field, message));

        if (string.IsNullOrWhiteSpace(rule.Name)) Fail("name", "is required");
        else if (rule.Name.Length > MaxNameLength) Fail("name", $"is longer than {MaxNameLength} characters");
        if (!Enum.IsDefined(rule.Match)) Fail("match", "must be all or any");

        CheckConditions(rule.Conditions, "conditions", 0, Fail);
        if (rule.TimeWindow is { } window) CheckTimeWindow(window, Fail);

        if (rule.Actions is null)
        {
            Fail("actions", "is required (it may be empty: the study is then held)");
        }
        else
        {
            if (rule.Actions.Count > MaxActions) Fail("actions", $"has more than {MaxActions} entries");
            for (var i = 0; i < rule.Actions.Count; i++) CheckAction(rule.Actions[i], $"actions[{i}]", Fail);
        }
        return errors;
    }

    /// <summary>Throws <see cref="RuleValidationException"/> naming every field at fault.</summary>
    public void EnsureValid(RoutingRule rule)
    {
        var errors = Validate(rule);
        if (errors.Count > 0) throw Refused(rule, errors);
    }

    internal static RuleValidationException Refused(RoutingRule rule, IReadOnlyList<FieldError> errors) =>
        new($"Routing rule \"{rule.Name}\" is not valid: {string.Join("; ", errors)}", errors);

    private static void CheckConditions(IReadOnlyList<RuleCondition>? conditions, string field, int depth, Action<string, string> fail)
    {
        if (conditions is null)
        {
            fail(field, "is required (it may be empty: the rule then matches every study)");
            return;
        }
        if (conditions.Count > MaxConditions) fail(field, $"has more than {MaxConditions} entries");
        for (var i = 0; i < conditions.Count; i++) CheckCondition(conditions[i], $"{field}[{i}]", depth, fail);
    }

    private static void CheckCondition(RuleCondition? condition, string field, int depth, Action<string, string> fail)
    {
        switch (condition)
        {
            case null:
                fail(field, "is empty");
                break;
            case CallingAeTitleCondition c:
                CheckAeTitle(c.Op, c.Value, field, fail);
                break;
            case CalledAeTitleCondition c:
                CheckAeTitle(c.Op, c.Value, field, fail);
                break;
            case SourceAddressCondition c:
                if (!SourceNetwork.TryParse(c.Network, out _, out var problem)) fail(field + ".network", problem!);
                break;
            case AttributeCondition c:
                CheckAttribute(c, field, fail);
                break;
            case GroupCondition g:
                if (depth + 1 > MaxGroupDepth) fail(field, $"nests groups deeper than {MaxGroupDepth} levels");
                if (!Enum.IsDefined(g.Match)) fail(field + ".match", "must be all or any");
                if (g.Conditions is { Count: 0 }) fail(field + ".conditions", "needs at least one condition");
                else if (depth + 1 <= MaxGroupDepth) CheckConditions(g.Conditions, field + ".conditions", depth + 1, fail);
                break;
            default:
                fail(field, $"has a kind this gateway does not know ({condition.GetType().Name})");
                break;
        }
    }

    private static void CheckAeTitle(ConditionOp op, string? value, string field, Action<string, string> fail)
    {
        if (op is not (ConditionOp.Equal or ConditionOp.Wildcard or ConditionOp.Regex))
        {
            fail(field + ".op", "must be equals, wildcard or regex for an AE title");
            return;
        }
        if (string.IsNullOrWhiteSpace(value))
        {
            fail(field + ".value", "is required");
            return;
        }
        if (op == ConditionOp.Regex)
        {
            CheckRegex(value, field + ".value", fail);
            return;
        }
        var title = value.Trim();
        if (title.Length > MaxAeTitleLength) fail(field + ".value", $"is longer than {MaxAeTitleLength} characters");
        if (title.Any(c => c == '\\' || char.IsControl(c) || c > '\x7E')) fail(field + ".value", "may not hold a backslash, control or non-ASCII characters");
    }

    private static void CheckAttribute(AttributeCondition c, string field, Action<string, string> fail)
    {
        if (!AttributeKey.TryResolve(c.Key, out var tag))
        {
            fail(field + ".key", "is not a DICOM keyword (e.g. Modality) or tag (e.g. (0008,1030) or 00081030)");
        }
        else if (c.Op is not (ConditionOp.Present or ConditionOp.Absent) && AttributeKey.TryGetDictionaryVR(tag, out var vr) && !IsMatchable(vr))
        {
            fail(field + ".key", $"has VR {vr}, which routing cannot compare (only present or absent)");
        }
        if (!Enum.IsDefined(c.Op))
        {
            fail(field + ".op", "must be equals, wildcard, regex, present or absent");
            return;
        }
        if (c.Op is ConditionOp.Present or ConditionOp.Absent) return;
        var value = c.Value;
        if (string.IsNullOrEmpty(value))
        {
            fail(field + ".value", c.Op == ConditionOp.Wildcard ? "is required (\"*\" matches any value, even a missing one)" : "is required");
            return;
        }
        switch (c.Op)
        {
            case ConditionOp.Wildcard:
                if (value.Length > WildcardPattern.MaxLength) fail(field + ".value", $"is longer than {WildcardPattern.MaxLength} characters");
                else if (value.Contains('\\', StringComparison.Ordinal)) fail(field + ".value", "may not hold a backslash (values are matched one at a time)");
                break;
            case ConditionOp.Equal:
                if (value.Length > MaxValueLength) fail(field + ".value", $"is longer than {MaxValueLength} characters");
                else if (value.Contains('\\', StringComparison.Ordinal)) fail(field + ".value", "may not hold a backslash (values are matched one at a time)");
                break;
            case ConditionOp.Regex:
                CheckRegex(value, field + ".value", fail);
                break;
        }
    }

    private static void CheckRegex(string pattern, string field, Action<string, string> fail)
    {
        if (pattern.Length > MaxRegexLength)
        {
            fail(field, $"is longer than {MaxRegexLength} characters");
            return;
        }
        try
        {
            _ = CompiledCondition.NewRegex(pattern);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            fail(field, "not a valid regular expression: " + e.Message);
        }
    }

    private static void CheckTimeWindow(TimeWindow window, Action<string, string> fail)
    {
        var days = window.Days ?? [];
        for (var i = 0; i < days.Count; i++)
        {
            if (CompiledTimeWindow.DayIndex(days[i]) < 0) fail($"timeWindow.days[{i}]", "must be mon, tue, wed, thu, fri, sat or sun");
        }
        if (CompiledTimeWindow.Minutes(window.From) is not { } from || from >= 24 * 60) fail("timeWindow.from", "must be a time HH:mm from 00:00 to 23:59");
        if (CompiledTimeWindow.Minutes(window.To) is null) fail("timeWindow.to", "must be a time HH:mm from 00:00 to 24:00");
    }

    private void CheckAction(RuleAction? action, string field, Action<string, string> fail)
    {
        switch (action)
        {
            case null:
                fail(field, "is empty");
                break;
            case ShipAction ship:
                CheckShip(ship, field, fail);
                break;
            case ForwardAction forward:
                if (forward.NodeId <= 0) fail(field + ".nodeId", "must name a DICOM node");
                break;
            case HoldAction:
                break;
            case DiscardAction discard:
                if (discard.Reason is { Length: > MaxReasonLength }) fail(field + ".reason", $"is longer than {MaxReasonLength} characters");
                break;
            default:
                fail(field, $"has a kind this gateway does not know ({action.GetType().Name})");
                break;
        }
    }

    private void CheckShip(ShipAction ship, string field, Action<string, string> fail)
    {
        if (ship.ExpiryDays is { } days && days is < MinExpiryDays or > MaxExpiryDays)
            fail(field + ".expiryDays", $"must be from {MinExpiryDays} to {MaxExpiryDays}");
        if (ship.MaxDownloads is < 1) fail(field + ".maxDownloads", "must be at least 1 when given");
        if (ship.Language is not null && !Addressing.Languages.Contains(ship.Language)) fail(field + ".language", $"must be one of {string.Join(", ", Addressing.Languages)}");
        if (ship.NotifyEmail is not null && !Addressing.IsEmailAddress(ship.NotifyEmail)) fail(field + ".notifyEmail", "is not an e-mail address");
        if (ship.SenderName is { Length: > MaxSenderTextLength }) fail(field + ".senderName", $"is longer than {MaxSenderTextLength} characters");
        if (ship.SenderOrganisation is { Length: > MaxSenderTextLength }) fail(field + ".senderOrganisation", $"is longer than {MaxSenderTextLength} characters");
        if (ship.LookupAttribute is { } lookup && !AttributeKey.TryResolve(lookup, out _))
            fail(field + ".lookupAttribute", "is not a DICOM keyword (e.g. ReferringPhysicianName) or tag");

        var recipients = ship.Recipients;
        if (recipients is null)
        {
            fail(field + ".recipients", "is required");
            return;
        }
        if (recipients.Count == 0 && string.IsNullOrWhiteSpace(ship.LookupAttribute))
            fail(field + ".recipients", "needs at least one recipient or contact, or a lookupAttribute");
        if (recipients.Count > MaxRecipients) fail(field + ".recipients", $"has more than {MaxRecipients} entries");
        for (var i = 0; i < recipients.Count; i++)
        {
            var at = $"{field}.recipients[{i}]";
            var recipient = recipients[i];
            if (recipient is null)
            {
                fail(at, "is empty");
                continue;
            }
            if (recipient.ContactId is { } contactId)
            {
                if (recipient.Email is not null || recipient.Phone is not null) fail(at, "names a contact and an address: give one or the other");
                if (contactId <= 0) fail(at + ".contactId", "must name a contact");
            }
            else if (string.IsNullOrWhiteSpace(recipient.Email) && string.IsNullOrWhiteSpace(recipient.Phone))
            {
                fail(at, "needs an e-mail address, a phone number or a contactId");
            }
            if (recipient.ContactId is null && !string.IsNullOrWhiteSpace(recipient.Email) && !Addressing.IsEmailAddress(recipient.Email))
                fail(at + ".email", "is not an e-mail address");
            if (recipient.ContactId is null && recipient.Phone is not null && phoneNumbers.Validate(recipient.Phone) is { } phoneProblem)
                fail(at + ".phone", phoneProblem);
            if (recipient.Language is not null && !Addressing.Languages.Contains(recipient.Language))
                fail(at + ".language", $"must be one of {string.Join(", ", Addressing.Languages)}");
        }
    }

    private static bool IsMatchable(DicomVR vr) =>
        vr.IsString || vr == DicomVR.UN || vr == DicomVR.US || vr == DicomVR.SS || vr == DicomVR.UL || vr == DicomVR.SL ||
        vr == DicomVR.SV || vr == DicomVR.UV || vr == DicomVR.FL || vr == DicomVR.FD;

    /// <summary>A bare address ("a@b.org"), as <see cref="MailAddress"/> parses it: no display name, no surrounding text.</summary>
}
