using Dapper;
using DicomGateway.Audit;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Forwarding;

/// <summary>A forward the worker has claimed (state 'sending'); <see cref="Attempts"/> counts this attempt.</summary>
internal sealed record ClaimedForward(long Id, long StudyId, long? NodeId, long? RuleId, string? RuleName, long Attempts, long InstancesSent, long InstanceCount);

/// <summary>Where a forward went, for the audit trail.</summary>
internal sealed record ForwardDestination(long NodeId, string Name, string AeTitle, string Host, int Port, bool Tls = false, string? CallingAeTitle = null);

/// <summary>The worker's side of the queue: claim, progress and the three endings of an attempt. Every write checks that
/// the row is still 'sending', so an administrator's cancel during the attempt is never overwritten.</summary>
public sealed partial class ForwardQueue
{
    /// <summary>At start: rows left 'sending' by a stop or crash go back to the queue, due now. Returns how many.</summary>
    internal async Task<int> RequeueInterruptedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE forwards SET state = 'queued', next_attempt_at = @now, updated_at = @now WHERE state = 'sending'",
            new { now = time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Claims the queued forward that has been due longest, or null when none is due.</summary>
    internal async Task<ClaimedForward?> ClaimNextAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<ClaimedForward?>(new CommandDefinition("""
            UPDATE forwards SET state = 'sending', attempts = attempts + 1, updated_at = @now
            WHERE id = (SELECT id FROM forwards WHERE state = 'queued' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT 1)
            RETURNING id AS Id, study_id AS StudyId, node_id AS NodeId, rule_id AS RuleId, rule_name AS RuleName, attempts AS Attempts,
                      instances_sent AS InstancesSent, instance_count AS InstanceCount
            """, new { now = time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>A token cancelled when an administrator cancels this forward or the service stops; dispose it after the attempt.</summary>
    internal CancellationTokenSource Track(long id, CancellationToken stoppingToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _inFlight[id] = source;
        return source;
    }

    internal void Untrack(long id) => _inFlight.TryRemove(id, out _);

    /// <summary>Records how many instances (in ordinal order) the destination has acknowledged, so a retry resumes after them.</summary>
    internal async Task RecordProgressAsync(long id, long instancesSent, long instanceCount, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE forwards SET instances_sent = @instancesSent, instance_count = @instanceCount, updated_at = @now WHERE id = @id AND state = 'sending'",
            new { id, instancesSent, instanceCount, now = time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Every instance arrived: done, audited, and the study's key erased if nothing else needs it.</summary>
    internal async Task CompleteAsync(ClaimedForward forward, ForwardDestination destination, long instances, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        bool released;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var changed = await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE forwards SET state = 'done', instances_sent = @instances, instance_count = @instances, last_error = NULL,
                                    updated_at = @now, completed_at = @now
                WHERE id = @Id AND state = 'sending'
                """, new { forward.Id, instances, now = now.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed == 0) return; // cancelled meanwhile: the cancel was audited and released the key
            var done = await TransferEventAsync(connection, transaction, forward, now, AuditOutcome.Success,
                new { what = "study forwarded", forwardId = forward.Id, node = destination.Name, aeTitle = destination.AeTitle, callingAeTitle = destination.CallingAeTitle, host = destination.Host,
                    port = destination.Port, rule = forward.RuleName, instances, attempts = forward.Attempts }, cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(connection, transaction, done, cancellationToken).ConfigureAwait(false);
            released = await ReleaseIfFinishedAsync(connection, transaction, forward.StudyId, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        LogDone(forward.Id, forward.StudyId, destination.AeTitle, instances, forward.Attempts);
        if (released) await database.CheckpointAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The attempt failed but another may succeed: queued again, due at <paramref name="at"/>, resuming after the
    /// <paramref name="instancesSent"/> instances acknowledged so far.
    /// </summary>
    internal async Task RescheduleAsync(ClaimedForward forward, DateTimeOffset at, string? error, long instancesSent)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE forwards SET state = 'queued', next_attempt_at = @at, last_error = coalesce(@error, last_error), updated_at = @now,
                                instances_sent = max(instances_sent, @instancesSent)
            WHERE id = @Id AND state = 'sending'
            """, new { forward.Id, at = at.ToUnixTimeMilliseconds(), error, instancesSent, now = time.GetUtcNow().ToUnixTimeMilliseconds() })).ConfigureAwait(false);
    }

    /// <summary>Failed for good (out of attempts, or nothing can be sent): audited; an administrator may still retry it.</summary>
    internal async Task FailAsync(ClaimedForward forward, ForwardDestination? destination, string error, long instancesSent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE forwards SET state = 'failed', last_error = @error, updated_at = @now, completed_at = @now, instances_sent = max(instances_sent, @instancesSent)
            WHERE id = @Id AND state = 'sending'
            """,
            new { forward.Id, error, instancesSent, now = now.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) return;
        var failed = await TransferEventAsync(connection, transaction, forward, now, AuditOutcome.SeriousFailure,
            new { what = "forward failed", forwardId = forward.Id, node = destination?.Name, aeTitle = destination?.AeTitle, callingAeTitle = destination?.CallingAeTitle, host = destination?.Host,
                port = destination?.Port, rule = forward.RuleName, error, attempts = forward.Attempts }, cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(connection, transaction, failed, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogFailed(forward.Id, forward.StudyId, forward.Attempts, error);
    }

    private async Task<AuditEvent> TransferEventAsync(SqliteConnection connection, SqliteTransaction transaction, ClaimedForward forward,
        DateTimeOffset now, AuditOutcome outcome, object detail, CancellationToken cancellationToken)
    {
        var patientRef = await studies.PatientRefAsync(connection, transaction, forward.StudyId, cancellationToken).ConfigureAwait(false);
        return new AuditEvent
        {
            EventId = AuditEventIds.InstancesTransferred,
            Action = AuditAction.Read,
            Outcome = outcome,
            ActorKind = AuditActorKind.Gateway,
            Actor = "gateway",
            StudyId = forward.StudyId,
            PatientRef = patientRef,
            OccurredAt = now,
            Detail = detail,
        };
    }

    [LoggerMessage(EventId = 8104, Level = LogLevel.Information, Message = "Forward {ForwardId}: study {StudyId} delivered to {AeTitle} ({Instances} instances, attempt {Attempt})")]
    private partial void LogDone(long forwardId, long studyId, string aeTitle, long instances, long attempt);

    [LoggerMessage(EventId = 8105, Level = LogLevel.Warning, Message = "Forward {ForwardId} of study {StudyId} failed for good after {Attempts} attempts: {Error}")]
    private partial void LogFailed(long forwardId, long studyId, long attempts, string error);
}
