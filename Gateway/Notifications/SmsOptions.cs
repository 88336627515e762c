using DicomGateway.AddressBook;
using PhoneNumbers;

namespace DicomGateway.Notifications;

public enum SmsProvider
{
    /// <summary>One JSON file per message under <see cref="SmsOptions.OutboxDirectory"/>, for a separate sending process or for testing.</summary>
    Outbox,

    /// <summary>HTTP POST of {"to","text"} to <see cref="SmsWebhookOptions.Url"/>.</summary>
    Webhook,
}

/// <summary>
/// Outgoing SMS. Bound from the "Sms" section of appsettings.json. <see cref="PhoneNumberOptions.DefaultRegion"/> is the
/// address book's, which reads it to normalise numbers as they will be sent; it is checked here with the rest.
/// </summary>
public sealed class SmsOptions : PhoneNumberOptions
{
    public SmsProvider Provider { get; set; } = SmsProvider.Outbox;

    /// <summary>Relative paths are taken from the data directory.</summary>
    public string OutboxDirectory { get; set; } = "outbox/sms";

    /// <summary>"Send the code again" at most this often per shipment within any 60 minutes.</summary>
    public int MaxResendsPerHour { get; set; } = 3;

    public SmsWebhookOptions Webhook { get; set; } = new();

    internal IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(OutboxDirectory)) yield return "Sms:OutboxDirectory must name a directory";
        if (!PhoneNumberUtil.GetInstance().GetSupportedRegions().Contains(DefaultRegion)) yield return $"Sms:DefaultRegion '{DefaultRegion}' is not a region code such as CZ or PL";
        if (MaxResendsPerHour < 0) yield return "Sms:MaxResendsPerHour must not be negative";
        if (Provider == SmsProvider.Webhook)
        {
            if (!Uri.TryCreate(Webhook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
                yield return "Sms:Webhook:Url must be an absolute http or https address when Sms:Provider is Webhook";
            if (Webhook.Timeout <= TimeSpan.Zero) yield return "Sms:Webhook:Timeout must be positive";
        }
    }
}

public sealed class SmsWebhookOptions
{
    public string Url { get; set; } = "";

    /// <summary>Extra request headers, e.g. an API key. Never logged; put credentials here rather than in the URL.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);
}
