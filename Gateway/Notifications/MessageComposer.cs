using System.Globalization;
using MimeKit;
using Microsoft.Extensions.Options;

namespace DicomGateway.Notifications;

/// <summary>A rendered e-mail: subject, plain text and HTML.</summary>
public sealed record RenderedEmail(string Subject, string Text, string Html);

/// <summary>
/// Turns a delivery's payload into the words a person reads: picks the language, formats numbers, sizes and dates
/// in its culture and the configured time zone, and fills the templates. Only the payload's fields can appear in a
/// message, and the payload has nothing from the study.
/// </summary>
public sealed class MessageComposer
{
    private readonly NotificationTemplates _templates;
    private readonly MailOptions _mail;
    private readonly TimeZoneInfo _zone;

    public MessageComposer(NotificationTemplates templates, IOptions<MailOptions> mail, IOptions<NotificationOptions> notifications)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(notifications);
        _templates = templates;
        _mail = mail.Value;
        NotificationOptions.TryFindTimeZone(notifications.Value.TimeZone, out _zone);
    }

    internal string LanguageOf(string? requested)
    {
        var language = requested?.Trim().ToLowerInvariant();
        return language is not null && NotificationTemplates.Languages.Contains(language) ? language : _mail.DefaultLanguage;
    }

    internal static CultureInfo CultureOf(string language) => CultureInfo.GetCultureInfo(language switch
    {
        "cs" => "cs-CZ",
        "pl" => "pl-PL",
        _ => "en-GB",
    });

    /// <summary>The e-mail for a delivery of the given kind (shipment, opened, expired-unopened).</summary>
    internal async Task<RenderedEmail> RenderEmailAsync(string kind, DeliveryPayload payload, CancellationToken cancellationToken)
    {
        var language = LanguageOf(payload.Language);
        var culture = CultureOf(language);
        var template = kind switch
        {
            DeliveryKind.Shipment => NotificationTemplates.ShipmentEmail,
            DeliveryKind.Opened => NotificationTemplates.OpenedEmail,
            DeliveryKind.ExpiredUnopened => NotificationTemplates.ExpiredUnopenedEmail,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an e-mail kind"),
        };
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Reference"] = payload.Reference,
            ["ExpiresAt"] = FormatDate(payload.ExpiresAt, culture),
        };
        if (kind == DeliveryKind.Shipment)
        {
            values["Sender"] = SenderOf(payload);
            values["InstanceCount"] = payload.InstanceCount.ToString("N0", culture);
            values["Size"] = FormatSize(payload.TotalBytes, culture);
            values["Link"] = payload.Link ?? throw new InvalidOperationException("A shipment e-mail needs its link");
        }
        else
        {
            values["SentAt"] = FormatDate(payload.SentAt, culture);
            values["OpenedAt"] = FormatDate(payload.OpenedAt, culture);
        }
        var subject = await _templates.GetAsync(language, template + ".subject.txt", cancellationToken).ConfigureAwait(false);
        var text = await _templates.GetAsync(language, template + ".txt", cancellationToken).ConfigureAwait(false);
        var html = await _templates.GetAsync(language, template + ".html", cancellationToken).ConfigureAwait(false);
        return new RenderedEmail(
            NotificationTemplates.Render(subject, values, html: false).ReplaceLineEndings(" ").Trim(),
            NotificationTemplates.Render(text, values, html: false),
            NotificationTemplates.Render(html, values, html: true));
    }

    /// <summary>The SMS that carries the code.</summary>
    internal async Task<string> RenderSmsAsync(DeliveryPayload payload, CancellationToken cancellationToken)
    {
        var language = LanguageOf(payload.Language);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Reference"] = payload.Reference,
            ["Code"] = FormatCode(payload.Code ?? throw new InvalidOperationException("An SMS needs its code")),
        };
        var template = await _templates.GetAsync(language, NotificationTemplates.CodeSms + ".txt", cancellationToken).ConfigureAwait(false);
        return NotificationTemplates.Render(template, values, html: false).ReplaceLineEndings(" ").Trim();
    }

    /// <summary>The MIME message (multipart/alternative: text and HTML).</summary>
    /// <remarks>
    /// The Message-Id is derived from the delivery id, so if a crash makes the gateway send the same delivery twice
    /// (see <see cref="NotificationDispatcher"/>), both copies carry the same id and mail systems can tell.
    /// </remarks>
    internal async Task<MimeMessage> ComposeEmailAsync(long deliveryId, string kind, DeliveryPayload payload, CancellationToken cancellationToken)
    {
        var rendered = await RenderEmailAsync(kind, payload, cancellationToken).ConfigureAwait(false);
        if (!MailOptions.IsAddress(payload.To)) throw new DeliveryException("The recipient's e-mail address is not valid", permanent: true);
        var from = _mail.From;
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(payload.To));
        message.Subject = rendered.Subject;
        var domain = from.Domain is { Length: > 0 } d ? d : "localhost";
        message.MessageId = $"delivery-{deliveryId.ToString(CultureInfo.InvariantCulture)}@{domain}";
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new BodyBuilder { TextBody = rendered.Text, HtmlBody = rendered.Html }.ToMessageBody();
        return message;
    }

    private string SenderOf(DeliveryPayload payload)
    {
        var name = payload.SenderName?.Trim();
        var organisation = payload.SenderOrganisation?.Trim();
        return (string.IsNullOrEmpty(name), string.IsNullOrEmpty(organisation)) switch
        {
            (false, false) => $"{name}, {organisation}",
            (false, true) => name!,
            (true, false) => organisation!,
            _ => _mail.FromName,
        };
    }

    private string FormatDate(DateTimeOffset? value, CultureInfo culture)
    {
        if (value is null) return "-";
        var local = TimeZoneInfo.ConvertTime(value.Value, _zone);
        // No weekday: it would stand in the nominative after a preposition ("do čtvrtek"); a day-month pattern
        // makes .NET use the genitive month names Czech and Polish need ("12. března", "12 marca").
        var pattern = culture.TwoLetterISOLanguageName == "cs" ? "d. MMMM yyyy H:mm" : "d MMMM yyyy HH:mm";
        return local.ToString(pattern, culture);
    }

    /// <summary>Decimal units, one decimal place, in the culture's notation: "12,3 MB" in cs and pl, "12.3 MB" in en.</summary>
    public static string FormatSize(long bytes, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(culture);
        if (bytes < 1000) return bytes.ToString("N0", culture) + " B";
        string[] units = ["kB", "MB", "GB", "TB", "PB"];
        var value = bytes / 1000d;
        var unit = 0;
        while (value >= 999.95 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        return value.ToString("N1", culture) + " " + units[unit];
    }

    /// <summary>"ABCDEFGH" as "ABCD-EFGH", easier to read off a phone and type.</summary>
    public static string FormatCode(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return code.Length == 8 ? string.Concat(code.AsSpan(0, 4), "-", code.AsSpan(4)) : code;
    }
}
