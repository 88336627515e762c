using Dapper;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Notifications;

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
public sealed class NotificationResend(GatewayDatabase database, NotificationOutbox outbox, AuditTrail audit, TimeProvider time)
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
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition("""
            SELECT state FROM shipments WHERE id = @shipmentId
            """, new { shipmentId }, cancellationToken: ct)).ConfigureAwait(false);
        if (state is not "active") return Outcome.NotActive;
        var delivery = await connection.QuerySingleOrDefaultAsync<(long Id, string State)?>(new CommandDefinition("""
            SELECT id, state FROM deliveries
            WHERE shipment_id = @shipmentId AND recipient_id = @recipientId AND channel = 'email' AND kind = 'shipment'
            """, new { shipmentId, recipientId }, cancellationToken: ct)).ConfigureAwait(false);
        if (delivery is not { } d) return Outcome.NoEmail;
        switch (d.State)
        {
            case "sent": return Outcome.AlreadySent;
            case "failed": return Outcome.FailedForGood;
            case "sending": return Outcome.Sending;
        }
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deliveries SET next_attempt_at = @now WHERE id = @Id AND state = 'queued'",
            new { now = time.GetUtcNow().ToUnixTimeMilliseconds(), d.Id }, cancellationToken: ct)).ConfigureAwait(false);
        if (changed == 0) return Outcome.Sending;
        outbox.Wake();
        return Outcome.Queued;
    }

    private async Task<(long? StudyId, bool Exists)> RecipientOfAsync(long shipmentId, long recipientId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var studyId = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            SELECT s.study_id FROM recipients r JOIN shipments s ON s.id = r.shipment_id WHERE r.id = @recipientId AND s.id = @shipmentId
            """, new { shipmentId, recipientId }, cancellationToken: ct)).ConfigureAwait(false);
        return (studyId, studyId is not null);
    }
}
