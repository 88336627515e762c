using DicomGateway.Audit;
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
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateOnStart();
        services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section).ValidateOnStart();
        services.AddOptions<SmsOptions>().BindConfiguration(SmsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>>(new RulesValidator<NotificationOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<MailOptions>>(new RulesValidator<MailOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<SmsOptions>>(new RulesValidator<SmsOptions>(o => o.Validate()));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<NotificationTemplates>();
        services.AddSingleton<MessageComposer>();
        services.AddSingleton<PhoneNumberNormalizer>();
        // Replaces routing's permissive default: invalid numbers are refused when a rule is saved.
        services.AddSingleton<DicomGateway.Routing.IPhoneNumberValidator>(sp => sp.GetRequiredService<PhoneNumberNormalizer>());
        // Deliveries are audited; the audit event names the shipment's study and patient reference.
        services.AddAudit();
        services.AddStudies();
        services.AddSingleton<NotificationOutbox>();

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

    private sealed class RulesValidator<T>(Func<T, IEnumerable<string>> rules) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = rules(options).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
