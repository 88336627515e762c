using System.Text.Json.Serialization;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Studies;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Notifications;

/// <summary>A delivery the dispatcher has claimed (state 'sending').</summary>
internal sealed class ClaimedDelivery
{
    public long Id { get; set; }
    public long ShipmentId { get; set; }
    public long? RecipientId { get; set; }
    public string Channel { get; set; } = "";
    public string Kind { get; set; } = "";
    public long Attempts { get; set; }
    public byte[]? Payload { get; set; }
}

/// <summary>What the audit trail records of a delivery: the channel, and to whom. Never the content.</summary>
internal sealed record DeliveryAudit(
    [property: JsonPropertyName("channel")] string Channel,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("recipient")] string? Recipient,
    [property: JsonPropertyName("attempts")] long Attempts,
    [property: JsonPropertyName("error")] string? Error);

[JsonSerializable(typeof(DeliveryAudit))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class DeliveryAuditJson : JsonSerializerContext;

/// <summary>The dispatcher's SQL: claim, and the three ways an attempt ends.</summary>
internal sealed class DeliveryStore(GatewayDatabase database, INotifiedShipments shipments, StudyStore studies, AuditTrail auditTrail)
{
    /// <summary>Rows a previous process left in 'sending' (it stopped mid-attempt) go back to the queue.</summary>
    public async Task<int> RequeueInterruptedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deliveries SET state = 'queued', next_attempt_at = @now WHERE state = 'sending'",
            new { now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Takes the most overdue queued row, if any, in one statement: two dispatchers never take the same row.</summary>
    public async Task<ClaimedDelivery?> ClaimNextAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<ClaimedDelivery>(new CommandDefinition("""
            UPDATE deliveries SET state = 'sending', attempts = attempts + 1
            WHERE id = (SELECT id FROM deliveries WHERE state = 'queued' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT 1)
            RETURNING id AS Id, shipment_id AS ShipmentId, recipient_id AS RecipientId, channel AS Channel, kind AS Kind,
                      attempts AS Attempts, payload AS Payload
            """, new { now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// The last look before a claimed message to a recipient goes out: if its shipment has ended meanwhile (revoked or
    /// expired after the claim), the row is cancelled and its payload erased, and true is returned; the caller sends
    /// nothing. Sender notices carry no secret and are never cancelled here.
    /// </summary>
    public async Task<bool> CancelIfShipmentEndedAsync(ClaimedDelivery delivery, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (delivery.Kind is not (DeliveryKind.Shipment or DeliveryKind.CodeResend)) return false;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!await shipments.HasEndedAsync(connection, transaction, delivery.ShipmentId, now, cancellationToken).ConfigureAwait(false)) return false;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deliveries SET state = 'cancelled', payload = NULL, last_error = @error WHERE id = @Id AND state = 'sending'",
            new { delivery.Id, error = NotificationOutbox.ShipmentEndedError }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public Task MarkSentAsync(ClaimedDelivery delivery, DateTimeOffset now, DeliveryAudit audit) =>
        FinishAsync(delivery, now, "sent", null, AuditOutcome.Success, audit);

    public Task MarkFailedAsync(ClaimedDelivery delivery, DateTimeOffset now, string error, DeliveryAudit audit) =>
        FinishAsync(delivery, now, "failed", error, AuditOutcome.SeriousFailure, audit);

    /// <summary>Back to the queue for another attempt at <paramref name="nextAttempt"/>.</summary>
    public async Task RescheduleAsync(ClaimedDelivery delivery, DateTimeOffset nextAttempt, string? error)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await connection.ExecuteAsync("""
            UPDATE deliveries SET state = 'queued', next_attempt_at = @next, last_error = COALESCE(@error, last_error)
            WHERE id = @Id AND state = 'sending'
            """, new { delivery.Id, next = nextAttempt.ToUnixTimeMilliseconds(), error }).ConfigureAwait(false);
    }

    // Not cancellable: once a message has left, recording that must not be skipped because the host is stopping.
    private async Task FinishAsync(ClaimedDelivery delivery, DateTimeOffset now, string state, string? error, AuditOutcome outcome, DeliveryAudit audit)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false);
        var at = now.ToUnixTimeMilliseconds();
        // payload = NULL: the link or code is gone from the row; secure_delete overwrites the freed bytes.
        await connection.ExecuteAsync("""
            UPDATE deliveries SET state = @state, payload = NULL, last_error = @error,
                                  sent_at = CASE WHEN @state = 'sent' THEN @at ELSE sent_at END
            WHERE id = @Id
            """, new { delivery.Id, state, error, at }, transaction).ConfigureAwait(false);
        var studyId = await shipments.StudyOfAsync(connection, transaction, delivery.ShipmentId, CancellationToken.None).ConfigureAwait(false);
        if (studyId is { } id)
        {
            // DICOM audit vocabulary (PS3.15 A.5.3.6): Export, event action Read, by the gateway's notifications.
            await auditTrail.RecordAsync(connection, transaction, new AuditEvent
            {
                OccurredAt = now,
                EventId = AuditEventIds.Export,
                Action = AuditAction.Read,
                Outcome = outcome,
                ActorKind = AuditActorKind.Gateway,
                Actor = "notifications",
                StudyId = id,
                ShipmentId = delivery.ShipmentId,
                RecipientId = delivery.RecipientId,
                PatientRef = await studies.PatientRefAsync(connection, transaction, id, CancellationToken.None).ConfigureAwait(false),
                Detail = System.Text.Json.JsonSerializer.SerializeToElement(audit, DeliveryAuditJson.Default.DeliveryAudit),
            }, CancellationToken.None).ConfigureAwait(false);
        }
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
