using MimeKit;

namespace DicomGateway.Notifications;

public enum MailSecurity
{
    None,
    StartTls,
    SslOnConnect,
}

/// <summary>Outgoing e-mail. Bound from the "Mail" section of appsettings.json.</summary>
public sealed class MailOptions
{
    public const string Section = "Mail";

    /// <summary>The SMTP relay. Empty: outbox mode, each message is written as an .eml file to <see cref="OutboxDirectory"/>.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    public MailSecurity Security { get; set; } = MailSecurity.StartTls;

    /// <summary>Optional SMTP login; both or neither.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string FromAddress { get; set; } = "";

    /// <summary>Display name of the sender, and who the message says it comes from when the notice names nobody.</summary>
    public string FromName { get; set; } = "DICOM Gateway";

    /// <summary>Relative paths are taken from the data directory.</summary>
    public string OutboxDirectory { get; set; } = "outbox/mail";

    /// <summary>
    /// Optional directory of template overrides: a file at {lang}/{name} here replaces the built-in template of that
    /// name (see Notifications/Templates). Relative paths are taken from the data directory.
    /// </summary>
    public string? TemplateDirectory { get; set; }

    /// <summary>Language used when a recipient's is not one the gateway has templates for (cs, pl, en).</summary>
    public string DefaultLanguage { get; set; } = "en";

    /// <summary>Connect, authenticate and send must each finish within this.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The address used in From: the configured one, or a placeholder in outbox mode.</summary>
    internal MailboxAddress From => new(FromName, string.IsNullOrWhiteSpace(FromAddress) ? "gateway@localhost" : FromAddress);

    internal IEnumerable<string> Validate()
    {
        if (Port is < 1 or > 65535) yield return "Mail:Port must be between 1 and 65535";
        if (!string.IsNullOrWhiteSpace(Host) && !IsAddress(FromAddress)) yield return "Mail:FromAddress must be a valid e-mail address when Mail:Host is set";
        if (string.IsNullOrWhiteSpace(Host) && !string.IsNullOrWhiteSpace(FromAddress) && !IsAddress(FromAddress)) yield return "Mail:FromAddress is not a valid e-mail address";
        if (string.IsNullOrEmpty(UserName) != string.IsNullOrEmpty(Password)) yield return "Mail:UserName and Mail:Password go together";
        if (string.IsNullOrWhiteSpace(OutboxDirectory)) yield return "Mail:OutboxDirectory must name a directory";
        if (!NotificationTemplates.Languages.Contains(DefaultLanguage)) yield return $"Mail:DefaultLanguage must be one of {string.Join(", ", NotificationTemplates.Languages)}";
        if (Timeout <= TimeSpan.Zero) yield return "Mail:Timeout must be positive";
    }

    internal static bool IsAddress(string? value) =>
        !string.IsNullOrWhiteSpace(value) && MailboxAddress.TryParse(value, out var parsed) && parsed.Address.Contains('@', StringComparison.Ordinal) && parsed.Address == value.Trim();
}
