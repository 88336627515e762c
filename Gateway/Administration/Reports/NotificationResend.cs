using DicomGateway.Audit;
using DicomGateway.Notifications;
using DicomGateway.Shipments;

namespace DicomGateway.Administration;

/// <summary>
/// "Send it again" from the administration page.
/// <list type="bullet">
/// <item>SMS: the recipient's code, through the same path as the recipient's own request
/// (<see cref="NotificationOutbox.EnqueueCodeResendAsync"/>), under the same limit of Sms:MaxResendsPerHour per
/// shipment. An operator is not exempt: the limit protects the recipient's phone and the SMS budget, and a staff
/// account can be misused too; the answer says when the limit is reached.</item>
/// <item>E-mail: the link exists only in the queued message (the gateway never keeps E), so only a message not yet
/// sent can be sent: a queued one (waiting for its next retry) is tried now. A sent one, or one whose link was
/// erased after it failed for good, cannot be sent again.</item>
/// </list>
/// </summary>
public sealed class NotificationResend(ShipmentLookup shipments, NotificationOutbox outbox, AuditTrail audit)
{
    public enum Outcome
    {
        Queued,
        NotFound,
        RateLimited,
        NotActive,
        NoPhone,
        NoEmail,
        AlreadySent,
        FailedForGood,
        Sending,
    }

    public async Task<Outcome> ResendAsync(long shipmentId, long recipientId, string channel, string actor, string? address, CancellationToken ct)
    {
        var (studyId, exists) = await RecipientOfAsync(shipmentId, recipientId, ct).ConfigureAwait(false);
        if (!exists) return Outcome.NotFound;
        var outcome = channel == DeliveryChannel.Sms ? await SmsAsync(recipientId, ct).ConfigureAwait(false) : await EmailAsync(shipmentId, recipientId, ct).ConfigureAwait(false);
        await audit.RecordAsync(new AuditEvent
        {
            EventId = AuditEventIds.Export,
            Action = AuditAction.Execute,
            Outcome = outcome == Outcome.Queued ? AuditOutcome.Success : AuditOutcome.MinorFailure,
            ActorKind = AuditActorKind.Administrator,
            Actor = actor,
            ActorAddress = address,
            StudyId = studyId,
            ShipmentId = shipmentId,
            RecipientId = recipientId,
            Detail = new { what = "notification resent", channel, result = outcome.ToString() },
        }, ct).ConfigureAwait(false);
        return outcome;
    }

    private async Task<Outcome> SmsAsync(long recipientId, CancellationToken ct) =>
        await outbox.EnqueueCodeResendAsync(recipientId, ct).ConfigureAwait(false) switch
        {
            CodeResendResult.Queued => Outcome.Queued,
            CodeResendResult.RateLimited => Outcome.RateLimited,
            CodeResendResult.NoPhone => Outcome.NoPhone,
            CodeResendResult.NotFound => Outcome.NotFound,
            _ => Outcome.NotActive,
        };

    private async Task<Outcome> EmailAsync(long shipmentId, long recipientId, CancellationToken ct)
    {
        if (!await shipments.IsActiveAsync(shipmentId, ct).ConfigureAwait(false)) return Outcome.NotActive;
        return await outbox.RetryShipmentEmailAsync(shipmentId, recipientId, ct).ConfigureAwait(false) switch
        {
            EmailRetryResult.Queued => Outcome.Queued,
            EmailRetryResult.NoEmail => Outcome.NoEmail,
            EmailRetryResult.AlreadySent => Outcome.AlreadySent,
            EmailRetryResult.FailedForGood => Outcome.FailedForGood,
            _ => Outcome.Sending,
        };
    }

    private async Task<(long? StudyId, bool Exists)> RecipientOfAsync(long shipmentId, long recipientId, CancellationToken ct)
    {
        var studyId = await shipments.StudyOfRecipientAsync(shipmentId, recipientId, ct).ConfigureAwait(false);
        return (studyId, studyId is not null);
    }
}
