using Dapper;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Notifications;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Shipments;

/// <summary>
/// What an administrator does to a shipment by hand. Revoking ends the shipment (it can no longer be opened, at once),
/// cancels its recipients' messages not yet sent and deletes their outbox files; erasing its recipients' keys and then
/// its blobs is left to <see cref="ShipmentSweeper"/>, whose steps are idempotent, so there is one erasure path
/// whatever ended the shipment.
/// </summary>
public sealed partial class ShipmentAdministration(GatewayDatabase database, AuditTrail audit, NotificationOutbox outbox, TimeProvider time,
    ILogger<ShipmentAdministration> logger)
{
    /// <summary>
    /// Ends an active or locked shipment now and records who did it and why, in one transaction. False if there is no
    /// such shipment or it has already ended (expired, used up, revoked or erased): nothing changes then.
    /// </summary>
    public async Task<bool> RevokeAsync(long shipmentId, string administrator, string? reason, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(administrator);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var shipment = await connection.QuerySingleOrDefaultAsync<(long StudyId, string Reference)?>(
            "SELECT study_id, reference FROM shipments WHERE id = @shipmentId AND state IN ('active', 'locked')", new { shipmentId }, tx).ConfigureAwait(false);
        if (shipment is not { } s) return false;
        var changed = await connection.ExecuteAsync(
            "UPDATE shipments SET state = 'revoked', revoked_at = @now, ended_at = @now WHERE id = @shipmentId AND state IN ('active', 'locked')",
            new { now, shipmentId }, tx).ConfigureAwait(false);
        if (changed == 0) return false;
        await audit.RecordAsync(connection, tx, new AuditEvent
        {
            EventId = AuditEventIds.Export,
            Action = AuditAction.Delete,
            Outcome = AuditOutcome.Success,
            ActorKind = AuditActorKind.Administrator,
            Actor = administrator,
            StudyId = s.StudyId,
            ShipmentId = shipmentId,
            Detail = new { what = "shipment revoked", reference = s.Reference, reason },
        }, ct).ConfigureAwait(false);
        await outbox.CancelUnsentAsync(connection, tx, shipmentId, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        LogRevoked(s.Reference);
        // After the commit, and not cancellable: the shipment has ended whatever the caller does next.
        await outbox.DeleteOutboxFilesAsync(shipmentId, CancellationToken.None).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Moves the expiry of an active or locked shipment <paramref name="days"/> days later, audited in the same
    /// transaction. Null if there is no such shipment or it has already ended.
    /// </summary>
    public async Task<DateTimeOffset?> ExtendAsync(long shipmentId, int days, string administrator, string? address, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(administrator);
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(days, 365);
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var shipment = await connection.QuerySingleOrDefaultAsync<(long StudyId, string Reference, long ExpiresAt)?>(
            "SELECT study_id, reference, expires_at FROM shipments WHERE id = @shipmentId AND state IN ('active', 'locked')", new { shipmentId }, tx).ConfigureAwait(false);
        if (shipment is not { } s) return null;
        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(s.ExpiresAt).AddDays(days);
        var changed = await connection.ExecuteAsync(
            "UPDATE shipments SET expires_at = @expiresAt WHERE id = @shipmentId AND state IN ('active', 'locked')",
            new { expiresAt = expiresAt.ToUnixTimeMilliseconds(), shipmentId }, tx).ConfigureAwait(false);
        if (changed == 0) return null;
        await audit.RecordAsync(connection, tx, new AuditEvent
        {
            EventId = AuditEventIds.Export,
            Action = AuditAction.Update,
            Outcome = AuditOutcome.Success,
            ActorKind = AuditActorKind.Administrator,
            Actor = administrator,
            ActorAddress = address,
            StudyId = s.StudyId,
            ShipmentId = shipmentId,
            Detail = new { what = "shipment expiry extended", reference = s.Reference, days, from = DateTimeOffset.FromUnixTimeMilliseconds(s.ExpiresAt), to = expiresAt },
        }, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        LogExtended(s.Reference, days);
        return expiresAt;
    }

    /// <summary>
    /// Lets a recipient locked by wrong codes try again: clears its count and its lock, audited in the same transaction.
    /// A recipient that is not locked has its count cleared too. False if the shipment has no such recipient.
    /// </summary>
    public async Task<bool> UnlockRecipientAsync(long shipmentId, long recipientId, string administrator, string? address, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(administrator);
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var recipient = await connection.QuerySingleOrDefaultAsync<(long StudyId, string Reference, long FailedAttempts, long? LockedAt)?>(
            """
            SELECT s.study_id, s.reference, r.failed_attempts, r.locked_at
            FROM recipients r JOIN shipments s ON s.id = r.shipment_id
            WHERE r.id = @recipientId AND r.shipment_id = @shipmentId
            """, new { shipmentId, recipientId }, tx).ConfigureAwait(false);
        if (recipient is not { } r) return false;
        await connection.ExecuteAsync("UPDATE recipients SET failed_attempts = 0, locked_at = NULL WHERE id = @recipientId", new { recipientId }, tx).ConfigureAwait(false);
        await audit.RecordAsync(connection, tx, new AuditEvent
        {
            EventId = AuditEventIds.SecurityAlert,
            EventType = AuditEventTypes.SecurityConfiguration,
            Action = AuditAction.Update,
            Outcome = AuditOutcome.Success,
            ActorKind = AuditActorKind.Administrator,
            Actor = administrator,
            ActorAddress = address,
            StudyId = r.StudyId,
            ShipmentId = shipmentId,
            RecipientId = recipientId,
            Detail = new { what = "recipient unlocked", reference = r.Reference, wasLocked = r.LockedAt is not null, failedAttempts = r.FailedAttempts },
        }, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        LogRecipientUnlocked(recipientId, r.Reference);
        return true;
    }

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Recipient {RecipientId} of shipment {Reference} unlocked by an administrator")]
    private partial void LogRecipientUnlocked(long recipientId, string reference);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Shipment {Reference} extended by {Days} days by an administrator")]
    private partial void LogExtended(string reference, int days);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Shipment {Reference} revoked by an administrator")]
    private partial void LogRevoked(string reference);
}
