using Dapper;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Forwarding;
using DicomGateway.Notifications;
using DicomGateway.Storage;
using DicomGateway.Studies;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Shipments;

/// <summary>
/// Ends shipments and erases what they leave behind, in an order that is safe to interrupt: first a shipment
/// stops being openable (expired, revoked, download limit used up) and its recipients' unsent messages are cancelled
/// and their outbox files deleted; then its recipients' key shares and wrapped keys are deleted, which alone makes the
/// ciphertext unreadable for good, backups included; once the last shipment of a study is past its expiry, forwards of
/// the study still pending are cancelled and the gateway's own key of the study erased; last, once no shipment of a
/// study can be opened and no recipient session can still be reading, the blobs are deleted. Each step is
/// idempotent, so a crash mid-sweep is finished by the next run. Only "now &gt;= expiry" ever ends a shipment by time,
/// so a clock set backwards ends nothing early. Erased keys are verified gone from the write-ahead log too: the sweep
/// checkpoints it until the checkpoint is done, and a checkpoint that readers kept busy is tried again at the next sweep.
/// </summary>
public sealed partial class ShipmentSweeper(
    GatewayDatabase database, StudyStore studies, BlobStore blobs, AuditTrail audit, NotificationOutbox outbox, ForwardQueue forwards, IOptions<ShipmentOptions> options,
    TimeProvider time, ILogger<ShipmentSweeper> logger)
{
    /// <summary>How long one sweep waits for readers to let the checkpoint through before leaving it to the next sweep.</summary>
    internal static readonly TimeSpan CheckpointWait = TimeSpan.FromMinutes(1);

    private volatile bool _checkpointOwed;

    public sealed record Result(int Expired, int KeysErased, int StudiesErased, int ForwardsCancelled = 0);

    public async Task<Result> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var expired = await ExpireAsync(now, cancellationToken).ConfigureAwait(false);
        var keys = await EraseKeysAsync(now, cancellationToken).ConfigureAwait(false);
        var (forwardsCancelled, studyKeys) = await EndCustodyAsync(now, cancellationToken).ConfigureAwait(false);
        var studiesErased = await EraseStudiesAsync(now, cancellationToken).ConfigureAwait(false);
        if (keys > 0 || studyKeys > 0 || _checkpointOwed)
        {
            _checkpointOwed = true;
            if (await database.CheckpointUntilDoneAsync(CheckpointWait, time, cancellationToken).ConfigureAwait(false)) _checkpointOwed = false;
        }
        return new Result(expired, keys, studiesErased, forwardsCancelled);
    }

    private async Task<int> ExpireAsync(long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var due = (await connection.QueryAsync<(long Id, long StudyId, string Reference, bool Opened)>(
            """
            SELECT sh.id, sh.study_id, sh.reference, EXISTS (SELECT 1 FROM recipients r WHERE r.shipment_id = sh.id AND r.first_opened_at IS NOT NULL)
            FROM shipments sh WHERE sh.state IN ('active', 'locked') AND sh.expires_at <= @now
            """, new { now }).ConfigureAwait(false)).ToList();
        foreach (var s in due)
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var changed = await connection.ExecuteAsync(
                "UPDATE shipments SET state = 'expired', ended_at = @now WHERE id = @Id AND state IN ('active', 'locked') AND expires_at <= @now",
                new { now, s.Id }, tx).ConfigureAwait(false);
            if (changed == 0) continue;
            await audit.RecordAsync(connection, tx, Deletion(AuditEventIds.Export, s.StudyId, s.Id, null,
                new { what = "shipment expired", reference = s.Reference, opened = s.Opened }), cancellationToken).ConfigureAwait(false);
            if (!s.Opened) await outbox.EnqueueSenderNoticeAsync(connection, tx, s.Id, SenderNoticeKind.ExpiredUnopened, cancellationToken).ConfigureAwait(false);
            await outbox.CancelUnsentAsync(connection, tx, s.Id, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogExpired(s.Reference);
            await outbox.DeleteOutboxFilesAsync(s.Id, cancellationToken).ConfigureAwait(false);
        }
        if (due.Count > 0) outbox.Wake();
        return due.Count;
    }

    private async Task<int> EraseKeysAsync(long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var ended = (await connection.QueryAsync<(long Id, long StudyId, string Reference, string State)>(
            "SELECT id, study_id, reference, state FROM shipments WHERE state IN ('expired', 'revoked', 'exhausted') AND keys_erased_at IS NULL")
            .ConfigureAwait(false)).ToList();
        foreach (var s in ended)
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(
                "UPDATE recipients SET server_share = NULL, wrapped_key = NULL, proof_hash = NULL, code = NULL WHERE shipment_id = @Id", new { s.Id }, tx)
                .ConfigureAwait(false);
            await connection.ExecuteAsync("UPDATE shipments SET keys_erased_at = @now, ended_at = coalesce(ended_at, @now) WHERE id = @Id", new { now, s.Id }, tx)
                .ConfigureAwait(false);
            await audit.RecordAsync(connection, tx, Deletion(AuditEventIds.StudyDeleted, s.StudyId, s.Id, null,
                new { what = "recipient key shares erased; the shipment can no longer be decrypted", reference = s.Reference, reason = s.State }),
                cancellationToken).ConfigureAwait(false);
            // A revoked or used-up shipment was not expired here: its unsent messages go now, in any case before its keys.
            await outbox.CancelUnsentAsync(connection, tx, s.Id, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogKeysErased(s.Reference, s.State);
            await outbox.DeleteOutboxFilesAsync(s.Id, cancellationToken).ConfigureAwait(false);
        }
        return ended.Count;
    }

    /// <summary>
    /// A shipped study's custody ends with the expiry of its last shipment (revoked and used-up ones count by their
    /// expiry too): forwards of it still queued, sending or failed are cancelled (audited by the queue) and the
    /// gateway's key of the study erased, so that a failed forward no longer keeps a readable copy indefinitely.
    /// Returns the forwards cancelled and the study keys erased.
    /// </summary>
    private async Task<(int Forwards, int Keys)> EndCustodyAsync(long now, CancellationToken cancellationToken)
    {
        List<long> ended;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            // Shipments of erased studies ('erased') are left out: their custody ended once already.
            ended = [.. await connection.QueryAsync<long>(new CommandDefinition("""
                SELECT study_id FROM shipments WHERE state IN ('expired', 'revoked', 'exhausted', 'active', 'locked') GROUP BY study_id
                HAVING max(expires_at) <= @now AND sum(keys_erased_at IS NULL) = 0
                """, new { now }, cancellationToken: cancellationToken)).ConfigureAwait(false)];
        }
        if (ended.Count == 0) return (0, 0);
        var readable = (await studies.FindManyAsync(ended, cancellationToken).ConfigureAwait(false)).Values.Where(s => s.WrappedKey is not null).ToList();
        var (forwardsCancelled, keysErased) = (0, 0);
        foreach (var study in readable)
        {
            var (cancelled, erased) = await forwards.CancelPendingOfStudyAsync(study.Id, "the study's shipments have expired", cancellationToken).ConfigureAwait(false);
            forwardsCancelled += cancelled;
            if (erased) keysErased++;
            if (cancelled > 0 || erased) LogCustodyEnded(study.Id, cancelled);
        }
        return (forwardsCancelled, keysErased);
    }

    private async Task<int> EraseStudiesAsync(long now, CancellationToken cancellationToken)
    {
        var grace = (long)options.Value.SessionIdleTimeout.TotalMilliseconds;
        // A sealed study goes when every one of its shipments has had its keys erased, and the last one ended long
        // enough ago that no recipient session can still be fetching blobs, and the forwarding queue no longer needs
        // it (it keeps the gateway-wrapped key until every forward is done or cancelled). A study that was only
        // forwarded has no shipments, so it goes as soon as the queue lets its key go.
        var candidates = await studies.ListSealedWithoutKeyAsync(cancellationToken).ConfigureAwait(false);
        if (candidates.Count == 0) return 0;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var stillOpen = (await connection.QueryAsync<long>(
            "SELECT DISTINCT study_id FROM shipments WHERE keys_erased_at IS NULL OR ended_at > @limit", new { limit = now - grace }).ConfigureAwait(false)).ToHashSet();
        var due = candidates.Where(s => !stillOpen.Contains(s.Id)).ToList();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(now);
        foreach (var study in due)
        {
            var files = await studies.BlobsAsync(connection, study, cancellationToken).ConfigureAwait(false);
            foreach (var f in files) blobs.Delete(f);
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await studies.EraseSealedAsync(connection, tx, study.Id, at, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync("UPDATE shipments SET state = 'erased' WHERE study_id = @Id", new { study.Id }, tx).ConfigureAwait(false);
            await audit.RecordAsync(connection, tx, Deletion(AuditEventIds.StudyDeleted, study.Id, null, study.PatientRef,
                new { what = "study erased: every blob deleted", blobs = files.Count }), cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogStudyErased(study.Id, files.Count);
            // Already done when each shipment ended; repeated so that nothing of the study outlives it, whatever came between.
            var shipmentIds = await connection.QueryAsync<long>("SELECT id FROM shipments WHERE study_id = @Id", new { study.Id }).ConfigureAwait(false);
            foreach (var id in shipmentIds) await outbox.DeleteOutboxFilesAsync(id, cancellationToken).ConfigureAwait(false);
        }
        return due.Count;
    }

    /// <summary>An erasure step done by the gateway itself, for the audit trail.</summary>
    private static AuditEvent Deletion(string eventId, long studyId, long? shipmentId, byte[]? patientRef, object detail) => new()
    {
        EventId = eventId,
        Action = AuditAction.Delete,
        Outcome = AuditOutcome.Success,
        ActorKind = AuditActorKind.Gateway,
        Actor = "gateway",
        StudyId = studyId,
        ShipmentId = shipmentId,
        PatientRef = patientRef,
        Detail = detail,
    };

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Shipment {Reference} expired")]
    private partial void LogExpired(string reference);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Shipment {Reference} ({Reason}): recipient keys erased")]
    private partial void LogKeysErased(string reference, string reason);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Study {StudyId}: its shipments have expired; {Forwards} pending forwards cancelled and the gateway's key of the study erased")]
    private partial void LogCustodyEnded(long studyId, int forwards);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Study {StudyId} erased ({Blobs} blobs)")]
    private partial void LogStudyErased(long studyId, int blobs);
}
