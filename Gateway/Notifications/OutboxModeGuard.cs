using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DicomGateway.Notifications;

/// <summary>
/// Refuses a start in which a deployment that looks real (recipients' links are https) would write links and codes in
/// clear to the outbox directories, unless Notifications:AllowOutboxWithSecrets says so. Runs with the validation of
/// <see cref="NotificationOptions"/>, so the gateway stops at start with the message and a non-zero exit code.
/// </summary>
internal sealed class OutboxModeGuard(IConfiguration configuration, IOptions<MailOptions> mail, IOptions<SmsOptions> sms) : IValidateOptions<NotificationOptions>
{
    // Web:PublicBaseUrl belongs to Shipments (RecipientLinkOptions), a layer above this one: the setting is read here
    // as the administrator wrote it, with the same default.
    internal const string PublicBaseUrlKey = "Web:PublicBaseUrl";
    internal const string DefaultPublicBaseUrl = "http://localhost:8080";

    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problem = Problem(options.AllowOutboxWithSecrets, configuration[PublicBaseUrlKey] ?? DefaultPublicBaseUrl, mail.Value, sms.Value);
        return problem is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
    }

    /// <summary>The refusal's message, or null when the start may go on.</summary>
    internal static string? Problem(bool allowed, string publicBaseUrl, MailOptions mail, SmsOptions sms)
    {
        if (allowed) return null;
        if (!Uri.TryCreate(publicBaseUrl, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps) return null;
        var outboxes = new List<string>();
        if (string.IsNullOrWhiteSpace(mail.Host)) outboxes.Add("the mail outbox (Mail:Host is empty)");
        if (sms.Provider == SmsProvider.Outbox) outboxes.Add("the SMS outbox (Sms:Provider is Outbox)");
        if (outboxes.Count == 0) return null;
        return $"Web:PublicBaseUrl is https, but {string.Join(" and ", outboxes)} is in effect: outbox files hold recipients' links and codes in clear, "
            + "so outbox mode is for trying the gateway out only. Configure Mail:Host and Sms:Provider = Webhook, "
            + "or set Notifications:AllowOutboxWithSecrets to true to run with outboxes anyway.";
    }
}
