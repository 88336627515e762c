using DicomGateway.AddressBook;
using DicomGateway.Audit;
using DicomGateway.Hosting;
using DicomGateway.Routing;
using DicomGateway.Studies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DicomGateway.Notifications;

public static class NotificationsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the notification outbox and its dispatcher, bound to the "Notifications", "Mail" and "Sms" sections.
    /// Requires the database (AddGatewayDatabase), the storage paths (AddInstanceStorage) and an <see cref="Crypto.ISecretProtector"/>.
    /// </summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddValidatedOptions<NotificationOptions>(NotificationOptions.Section, o => o.Validate());
        services.AddSingleton<IValidateOptions<NotificationOptions>, OutboxModeGuard>();
        services.AddValidatedOptions<MailOptions>(MailOptions.Section, o => o.Validate());
        services.AddValidatedOptions<SmsOptions>(SmsOptions.Section, o => o.Validate());

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<NotificationTemplates>();
        services.AddSingleton<MessageComposer>();
        services.AddPhoneNumbers();
        // Replaces routing's permissive default: numbers that cannot receive the code are refused when a rule is saved.
        services.AddSingleton<IPhoneNumberValidator, MobilePhoneNumberValidator>();
        // Deliveries are audited; the audit event names the shipment's study and patient reference.
        services.AddAudit();
        services.AddStudies();
        services.AddSingleton<NotificationOutbox>();
        services.AddMetricsSource<NotificationMetrics>();

        // Mail:Host empty means outbox mode; Sms:Provider picks the SMS side.
        services.AddSingleton<IMailTransport>(sp => string.IsNullOrWhiteSpace(sp.GetRequiredService<IOptions<MailOptions>>().Value.Host)
            ? ActivatorUtilities.CreateInstance<OutboxMailTransport>(sp)
            : ActivatorUtilities.CreateInstance<SmtpMailTransport>(sp));
        services.AddSingleton<ISmsSender>(sp => sp.GetRequiredService<IOptions<SmsOptions>>().Value.Provider == SmsProvider.Webhook
            ? ActivatorUtilities.CreateInstance<WebhookSmsSender>(sp)
            : ActivatorUtilities.CreateInstance<OutboxSmsSender>(sp));
        services.AddHttpClient(WebhookSmsSender.HttpClientName, (sp, client) => client.Timeout = sp.GetRequiredService<IOptions<SmsOptions>>().Value.Webhook.Timeout)
            // The factory's default loggers write the request URL; some providers take their key in the query string.
            .RemoveAllLoggers();

        services.AddSingleton<NotificationDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationDispatcher>());
        return services;
    }
}
