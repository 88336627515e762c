using System.Net.Mail;
using DicomKit.Data;

namespace DicomGateway.Routing;

/// <summary>One problem with a rule. <see cref="Field"/> is a configuration-style path ("Recipients:0:Email"), so the same
/// text points into appsettings.json, an environment variable (with "__" for ":") or a form field.</summary>
public sealed record RuleValidationError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>A rule was refused. The message names every field at fault.</summary>
public sealed class RuleValidationException : Exception
{
    public RuleValidationException(string message, IReadOnlyList<RuleValidationError> errors) : base(message) => Errors = errors;

    public RuleValidationException() : this("The routing rule is not valid", []) { }

    public RuleValidationException(string message) : this(message, []) { }

    public RuleValidationException(string message, Exception innerException) : base(message, innerException) => Errors = [];

    public IReadOnlyList<RuleValidationError> Errors { get; }
}

/// <summary>The checks a rule passes before it is saved or seeded.</summary>
public sealed class RuleValidator(IPhoneNumberValidator phoneNumbers)
{
    public const int MaxNameLength = 200;
    public const int MaxAeTitleLength = 16;
    public const int MaxAttributes = 32;
    public const int MaxRecipients = 50;
    public const int MaxSenderTextLength = 200;
    public const int MinExpiryDays = 1;
    public const int MaxExpiryDays = 365;

    /// <summary>The languages notices are written in.</summary>
    public static IReadOnlySet<string> Languages { get; } = new HashSet<string>(["cs", "pl", "en"], StringComparer.Ordinal);

    public IReadOnlyList<RuleValidationError> Validate(RoutingRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var errors = new List<RuleValidationError>();
        void Fail(string field, string message) => errors.Add(new RuleValidationError(field, message));

        if (string.IsNullOrWhiteSpace(rule.Name)) Fail("Name", "is required");
        else if (rule.Name.Length > MaxNameLength) Fail("Name", $"is longer than {MaxNameLength} characters");

        var match = rule.Match;
        if (match is null)
        {
            Fail("Match", "is required (an empty match matches every study)");
        }
        else
        {
            CheckAeTitle(match.CalledAeTitle, "Match:CalledAeTitle", Fail);
            CheckAeTitle(match.CallingAeTitle, "Match:CallingAeTitle", Fail);
            if (match.Attributes is { Count: > MaxAttributes }) Fail("Match:Attributes", $"has more than {MaxAttributes} entries");
            foreach (var (key, pattern) in match.Attributes ?? new Dictionary<string, string>())
                CheckAttribute(key, pattern, Fail);
        }

        if (rule.ExpiryDays is { } days && days is < MinExpiryDays or > MaxExpiryDays)
            Fail("ExpiryDays", $"must be from {MinExpiryDays} to {MaxExpiryDays}");
        if (rule.MaxDownloads is < 1) Fail("MaxDownloads", "must be at least 1 when given");
        if (rule.NotifyEmail is not null && !IsEmailAddress(rule.NotifyEmail)) Fail("NotifyEmail", "is not an e-mail address");
        if (rule.SenderName is { Length: > MaxSenderTextLength }) Fail("SenderName", $"is longer than {MaxSenderTextLength} characters");
        if (rule.SenderOrganisation is { Length: > MaxSenderTextLength }) Fail("SenderOrganisation", $"is longer than {MaxSenderTextLength} characters");

        var recipients = rule.Recipients ?? [];
        if (recipients.Count > MaxRecipients) Fail("Recipients", $"has more than {MaxRecipients} entries");
        for (var i = 0; i < recipients.Count; i++)
        {
            var field = $"Recipients:{i}";
            var recipient = recipients[i];
            if (recipient is null)
            {
                Fail(field, "is empty");
                continue;
            }
            if (string.IsNullOrWhiteSpace(recipient.Email)) Fail(field + ":Email", "is required");
            else if (!IsEmailAddress(recipient.Email)) Fail(field + ":Email", "is not an e-mail address");
            if (recipient.Phone is not null && phoneNumbers.Validate(recipient.Phone) is { } phoneProblem) Fail(field + ":Phone", phoneProblem);
            if (recipient.Language is not null && !Languages.Contains(recipient.Language))
                Fail(field + ":Language", $"must be one of {string.Join(", ", Languages)}");
        }
        return errors;
    }

    /// <summary>Throws <see cref="RuleValidationException"/> naming every field at fault; <paramref name="prefix"/> goes before the field names.</summary>
    public void EnsureValid(RoutingRule rule, string prefix = "")
    {
        var errors = Validate(rule);
        if (errors.Count == 0) return;
        var lines = errors.Select(e => prefix + e);
        throw new RuleValidationException($"Routing rule \"{rule.Name}\" is not valid: {string.Join("; ", lines)}", errors);
    }

    private static void CheckAeTitle(string? aeTitle, string field, Action<string, string> fail)
    {
        var given = RuleDefinition.Given(aeTitle);
        if (given is null) return;
        if (given.Length > MaxAeTitleLength) fail(field, $"is longer than {MaxAeTitleLength} characters");
        if (given.Any(c => c == '\\' || char.IsControl(c) || c > '\x7E')) fail(field, "may not hold a backslash, control or non-ASCII characters");
    }

    private static void CheckAttribute(string key, string? pattern, Action<string, string> fail)
    {
        var field = "Match:Attributes:" + key;
        if (!AttributeKey.TryResolve(key, out var tag))
        {
            fail(field, "is not a DICOM keyword (e.g. Modality) or tag (e.g. (0008,1030) or 00081030)");
        }
        else if (AttributeKey.TryGetDictionaryVR(tag, out var vr) && !IsMatchable(vr))
        {
            fail(field, $"has VR {vr}, which routing cannot match on");
        }
        if (string.IsNullOrEmpty(pattern)) fail(field, "needs a pattern (\"*\" matches any value, even a missing one)");
        else if (pattern.Length > WildcardPattern.MaxLength) fail(field, $"pattern is longer than {WildcardPattern.MaxLength} characters");
        else if (pattern.Contains('\\', StringComparison.Ordinal)) fail(field, "pattern may not hold a backslash (values are matched one at a time)");
    }

    private static bool IsMatchable(DicomVR vr) =>
        vr.IsString || vr == DicomVR.UN || vr == DicomVR.US || vr == DicomVR.SS || vr == DicomVR.UL || vr == DicomVR.SL ||
        vr == DicomVR.SV || vr == DicomVR.UV || vr == DicomVR.FL || vr == DicomVR.FD;

    /// <summary>A bare address ("a@b.org"), as <see cref="MailAddress"/> parses it: no display name, no surrounding text.</summary>
    internal static bool IsEmailAddress(string text) =>
        text.Length <= 254 && MailAddress.TryCreate(text, out var address) && address.Address == text && string.IsNullOrEmpty(address.DisplayName);
}
