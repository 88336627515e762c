using System.Security.Cryptography;
using System.Text.Json;
using DicomGateway.AddressBook;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Studies;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Notifications;

/// <summary>
/// Sends queued deliveries, one at a time, oldest due first: claims a row ('sending'), sends it, records the
/// outcome. Runs every Notifications:PollInterval and whenever an enqueue calls <see cref="Wake"/>.
/// </summary>
/// <remarks>
/// <para><b>At least once, not exactly once.</b> SMTP has no idempotency key and neither does a generic SMS webhook:
/// if the process dies after the server accepted a message (SMTP 250, HTTP 2xx) and before the row says 'sent', the
/// row is still 'sending' at the next start, goes back to the queue, and the message is sent again. Losing a
/// notification would be worse (the recipient could never open the shipment) than a rare duplicate, so that is the
/// trade. The window is kept small: the row is marked sent directly after the server's answer, in a write that
/// shutdown cannot cancel, before anything else (even the SMTP QUIT's failure is ignored). Duplicates are
/// recognisable: an e-mail's Message-Id and an outbox file's name derive from the delivery id, so a resent e-mail
/// has the same Message-Id and a resent outbox file replaces the first.</para>
/// <para><b>Failures.</b> A <see cref="DeliveryException"/> says whether trying again can help. Transient: the row
/// is queued again after <see cref="RetryBackoff"/>'s delay, until Notifications:MaxAttempts. Permanent (or out of
/// attempts): 'failed', payload erased, a warning and an audit event (110106, outcome 8). Error texts are scrubbed of
/// the delivery's secrets before they reach last_error, a log line or the audit trail, and exceptions are never
/// logged as objects here: only their type and our own safe description.</para>
/// <para><b>Ended shipments.</b> Right before a message to a recipient is sent, the dispatcher asks whether its shipment
/// has ended (revoked, expired); if so the row is cancelled and its payload erased instead. The check and the send are
/// not one transaction (SMTP cannot join one), so a revoke landing in between the two is the one that lets a message
/// through; the sweeper then deletes its outbox file.</para>
/// </remarks>
public sealed partial class NotificationDispatcher : BackgroundService
{
    private readonly DeliveryStore _store;
    private readonly ISecretProtector _protector;
    private readonly MessageComposer _composer;
    private readonly IMailTransport _mail;
    private readonly ISmsSender _sms;
    private readonly PhoneNumberNormalizer _phones;
    private readonly DeliverySignal _signal;
    private readonly NotificationOptions _options;
    private readonly TimeProvider _time;
    private readonly NotificationMetrics _metrics;
    private readonly ILogger<NotificationDispatcher> _logger;

    public NotificationDispatcher(GatewayDatabase database, INotifiedShipments shipments, StudyStore studies, AuditTrail audit, ISecretProtector protector,
        MessageComposer composer, IMailTransport mail, ISmsSender sms, PhoneNumberNormalizer phones, DeliverySignal signal, IOptions<NotificationOptions> options,
        TimeProvider time, NotificationMetrics metrics, ILogger<NotificationDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = new DeliveryStore(database, shipments, studies, audit);
        _protector = protector;
        _composer = composer;
        _mail = mail;
        _sms = sms;
        _phones = phones;
        _signal = signal;
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Look for due deliveries now.</summary>
    public void Wake() => _signal.Wake();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            var requeued = await _store.RequeueInterruptedAsync(_time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
            if (requeued > 0) LogRequeued(requeued);

            using var timer = new PeriodicTimer(_options.PollInterval, _time);
            // PeriodicTimer allows one pending wait, and a semaphore wait that lost the race must not be dropped
            // (it would swallow the next wake-up): both are kept until they complete.
            Task<bool>? tick = null;
            Task? wake = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                await DrainAsync(stoppingToken).ConfigureAwait(false);
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                wake ??= _signal.WaitAsync(stoppingToken);
                var first = await Task.WhenAny(tick, wake).ConfigureAwait(false);
                await first.ConfigureAwait(false); // throws if cancelled
                if (first == tick) tick = null;
                else wake = null;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends every delivery that is due now. A database error ends the round; the next poll tries again.</summary>
    private async Task DrainAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _store.ClaimNextAsync(_time.GetUtcNow(), stoppingToken).ConfigureAwait(false) is { } delivery)
                await AttemptAsync(delivery, stoppingToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            LogDatabaseError(e);
        }
    }

    private async Task AttemptAsync(ClaimedDelivery delivery, CancellationToken stoppingToken)
    {
        // A revoke or an expiry may have come between the enqueue (or the sweeper's cancel) and this claim.
        if (await _store.CancelIfShipmentEndedAsync(delivery, _time.GetUtcNow(), stoppingToken).ConfigureAwait(false))
        {
            LogCancelled(delivery.Id, delivery.ShipmentId, delivery.Channel, delivery.Kind);
            return;
        }
        DeliveryPayload? payload = null;
        string? error;
        bool permanent;
        try
        {
            if (delivery.Payload is null) throw new DeliveryException("The delivery has no payload left", permanent: true);
            payload = DeliveryPayload.FromJson(_protector.Unprotect(CryptoPurposes.Protect.Notification, delivery.Payload));
            await SendAsync(delivery, payload, stoppingToken).ConfigureAwait(false);
            error = null;
            permanent = false;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping mid-attempt: the message may or may not have left. Back to the queue (at-least-once).
            await _store.RescheduleAsync(delivery, _time.GetUtcNow(), null).ConfigureAwait(false);
            throw;
        }
        catch (DeliveryException e)
        {
            (error, permanent) = (e.Message, e.Permanent);
        }
        catch (TemplateException e)
        {
            // An administrator's template override is broken: retried, so that fixing it lets the queue drain.
            (error, permanent) = (e.Message, false);
        }
        catch (Exception e) when (e is CryptographicException or JsonException)
        {
            (error, permanent) = ($"The payload cannot be read ({e.GetType().Name}); was the gateway key replaced?", true);
        }
        catch (Exception e)
        {
            (error, permanent) = ($"Unexpected {e.GetType().Name}", false);
        }

        var recipient = payload?.To;
        if (error is null)
        {
            await _store.MarkSentAsync(delivery, _time.GetUtcNow(), new DeliveryAudit(delivery.Channel, delivery.Kind, recipient, delivery.Attempts, null)).ConfigureAwait(false);
            _metrics.Finished(sent: true);
            LogSent(delivery.Id, delivery.ShipmentId, delivery.Channel, delivery.Kind, delivery.Attempts);
            return;
        }

        error = Scrub(error, payload);
        if (permanent || delivery.Attempts >= _options.MaxAttempts)
        {
            await _store.MarkFailedAsync(delivery, _time.GetUtcNow(), error, new DeliveryAudit(delivery.Channel, delivery.Kind, recipient, delivery.Attempts, error)).ConfigureAwait(false);
            _metrics.Finished(sent: false);
            LogFailed(delivery.Id, delivery.ShipmentId, delivery.Channel, delivery.Kind, delivery.Attempts, error);
            return;
        }
        var delay = RetryBackoff.Delay((int)Math.Min(delivery.Attempts, int.MaxValue), _options.RetryBaseDelay, _options.RetryMaxDelay);
        await _store.RescheduleAsync(delivery, _time.GetUtcNow() + delay, error).ConfigureAwait(false);
        LogRetrying(delivery.Id, delivery.ShipmentId, delivery.Channel, delivery.Attempts, delay, error);
    }

    private async Task SendAsync(ClaimedDelivery delivery, DeliveryPayload payload, CancellationToken cancellationToken)
    {
        switch (delivery.Channel)
        {
            case DeliveryChannel.Email or DeliveryChannel.NotifyEmail:
                var message = await _composer.ComposeEmailAsync(delivery.Id, delivery.Kind, payload, cancellationToken).ConfigureAwait(false);
                await _mail.SendAsync(delivery.Id, message, cancellationToken).ConfigureAwait(false);
                break;
            case DeliveryChannel.Sms:
                if (!_phones.TryNormalize(payload.To, out var to)) throw new DeliveryException("The recipient's phone number is not a valid mobile number", permanent: true);
                var text = await _composer.RenderSmsAsync(payload, cancellationToken).ConfigureAwait(false);
                await _sms.SendAsync(new SmsMessage(delivery.Id, to, text), cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new DeliveryException($"Unknown channel '{delivery.Channel}'", permanent: true);
        }
    }

    /// <summary>Belt and braces: our error texts carry no secrets, but a server's words might echo one.</summary>
    private static string Scrub(string text, DeliveryPayload? payload)
    {
        if (payload is null) return text;
        foreach (var secret in payload.Secrets())
        {
            if (secret.Length >= 4) text = text.Replace(secret, "[redacted]", StringComparison.OrdinalIgnoreCase);
        }
        return text;
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "{Count} notification deliveries were interrupted by a stop and are queued again; their recipients may get them twice")]
    private partial void LogRequeued(int count);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Delivery {DeliveryId} (shipment {ShipmentId}, {Channel} {Kind}) sent on attempt {Attempt}")]
    private partial void LogSent(long deliveryId, long shipmentId, string channel, string kind, long attempt);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "Delivery {DeliveryId} (shipment {ShipmentId}, {Channel}) attempt {Attempt} failed, retrying in {Delay}: {Error}")]
    private partial void LogRetrying(long deliveryId, long shipmentId, string channel, long attempt, TimeSpan delay, string error);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} (shipment {ShipmentId}, {Channel} {Kind}) failed for good after {Attempts} attempts: {Error}")]
    private partial void LogFailed(long deliveryId, long shipmentId, string channel, string kind, long attempts, string error);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Information, Message = "Delivery {DeliveryId} (shipment {ShipmentId}, {Channel} {Kind}) cancelled: the shipment ended before it was sent")]
    private partial void LogCancelled(long deliveryId, long shipmentId, string channel, string kind);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Error, Message = "The notification queue could not be read or updated; retrying at the next poll")]
    private partial void LogDatabaseError(Exception exception);
}
