using System.Collections.Concurrent;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Nodes;
using DicomGateway.Routing;
using DicomGateway.Studies;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Forwarding;

/// <summary>The states of a forward, as stored in <c>forwards.state</c>.</summary>
public static class ForwardStates
{
    public const string Queued = "queued";
    public const string Sending = "sending";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Queued, Sending, Done, Failed, Cancelled];

    /// <summary>
    /// The states in which a forward still needs its study and its node (an administrator may retry a failed one), as
    /// an SQL list: such a study keeps its key, and such a node cannot be deleted.
    /// </summary>
    internal const string PendingSql = "('queued', 'sending', 'failed')";
}

/// <summary>One forward as the administration page lists it. Node fields are null once the node was deleted.</summary>
public sealed record ForwardView
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long? NodeId { get; init; }
    public string? NodeName { get; init; }
    public string? AeTitle { get; init; }
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string? RuleName { get; init; }
    public required string State { get; init; }
    public long Attempts { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public long InstancesSent { get; init; }
    public long InstanceCount { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
}

/// <summary>What an administrator's retry or cancel did.</summary>
public enum ForwardChange { Done, NotFound, Conflict }

/// <summary>
/// The forwarding queue (table <c>forwards</c>): one row per study and destination node. The sealer enqueues inside its
/// own transaction (<see cref="EnqueueAsync"/>), <see cref="ForwardingService"/> sends, an administrator retries or
/// cancels. The study's data key (<c>studies.wrapped_key</c>) is kept while any of its forwards is queued, sending or
/// failed, and erased in the transaction that ends the last one (<see cref="ReleaseIfFinishedAsync"/>).
/// </summary>
public sealed partial class ForwardQueue(GatewayDatabase database, StudyStore studies, NodeStore nodes, AuditTrail audit, TimeProvider time, ILogger<ForwardQueue> logger)
{
    /// <summary>
    /// True for a study that a forward still needs: one is queued, sending or failed (an administrator may retry a
    /// failed one). Such a study keeps its key, so the sweeper keeps its blobs.
    /// </summary>
    private const string PendingForStudySql = "EXISTS (SELECT 1 FROM forwards f WHERE f.study_id = @studyId AND f.state IN " + ForwardStates.PendingSql + ")";

    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _inFlight = new();

    /// <summary>
    /// Queues the study for <paramref name="nodeId"/>, due now, inside the caller's transaction (call <see cref="Wake"/>
    /// after the commit). The study's key must stay in <c>studies.wrapped_key</c>: the forward reads the study with it.
    /// </summary>
    public async Task<long> EnqueueAsync(SqliteConnection connection, SqliteTransaction transaction, long studyId, long nodeId, long? ruleId, string? ruleName,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var instanceCount = await studies.InstanceCountAsync(connection, transaction, studyId, cancellationToken).ConfigureAwait(false);
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO forwards (study_id, node_id, rule_id, rule_name, state, attempts, next_attempt_at, instance_count, created_at, updated_at)
            VALUES (@studyId, @nodeId, @ruleId, @ruleName, 'queued', 0, @now, @instanceCount, @now, @now)
            RETURNING id
            """, new { studyId, nodeId, ruleId, ruleName, now, instanceCount }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        LogQueued(id, studyId, nodeId);
        return id;
    }

    /// <summary>Look for due forwards now (after an enqueue or a retry has committed).</summary>
    public void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers any number of new rows.
        }
    }

    internal Task WaitForWakeAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    /// <summary>Forwards, newest first; only those in <paramref name="state"/> when given.</summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> is not one of <see cref="ForwardStates.All"/>.</exception>
    public async Task<IReadOnlyList<ForwardView>> ListAsync(string? state, CancellationToken cancellationToken)
    {
        if (state is not null && !ForwardStates.All.Contains(state)) throw new ArgumentException($"Unknown state '{state}'", nameof(state));
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<ViewRow>(new CommandDefinition("""
            SELECT f.id AS Id, f.study_id AS StudyId, f.node_id AS NodeId,
                   f.rule_name AS RuleName, f.state AS State, f.attempts AS Attempts, f.next_attempt_at AS NextAttemptAt, f.last_error AS LastError,
                   f.instances_sent AS InstancesSent, f.instance_count AS InstanceCount, f.created_at AS CreatedAt, f.completed_at AS CompletedAt
            FROM forwards f
            WHERE @state IS NULL OR f.state = @state
            ORDER BY f.id DESC
            LIMIT 1000
            """, new { state }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var byId = (await nodes.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(n => n.Id);
        return [.. rows.Select(r => r.ToView(r.NodeId is { } id ? byId.GetValueOrDefault(id) : null))];
    }

    /// <summary>
    /// When the most overdue queued forward was due, or null when none is queued and due: a forward due long ago means
    /// the worker is not making progress (health checks ask this; forwards waiting for a retry are not due).
    /// </summary>
    public async Task<DateTimeOffset?> OldestOverdueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var due = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MIN(next_attempt_at) FROM forwards WHERE state = 'queued' AND next_attempt_at <= @now",
            new { now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return due is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <summary>Forwards pending (queued or being sent) and failed, keyed "pending" and "failed": the metrics' gauge.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountQueueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var (pending, failed) = await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(
            "SELECT count(*) FILTER (WHERE state IN ('queued', 'sending')), count(*) FILTER (WHERE state = 'failed') FROM forwards WHERE state IN ('queued', 'sending', 'failed')",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new Dictionary<string, long>(StringComparer.Ordinal) { ["pending"] = pending, ["failed"] = failed };
    }

    /// <summary>True while a forward of the study is queued, sending or failed.</summary>
    public async Task<bool> HasPendingAsync(long studyId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT {PendingForStudySql}", new { studyId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Keep no longer than needed: when no forward of the study is queued, sending or failed any more and the study is
    /// sealed, erases its data key (<c>studies.wrapped_key = NULL</c>) in the caller's transaction. Returns true when it
    /// erased one; the caller then checkpoints the database after its commit (<see cref="GatewayDatabase.CheckpointAsync"/>)
    /// so the key's old bytes leave the write-ahead log too. The blobs stay for the shipments that may still use them;
    /// the sweeper erases them (it skips studies for which <see cref="PendingForStudySql"/> holds).
    /// </summary>
    public async Task<bool> ReleaseIfFinishedAsync(SqliteConnection connection, SqliteTransaction transaction, long studyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var pending = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT {PendingForStudySql}", new { studyId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return !pending && await studies.ForgetKeyAsync(connection, transaction, studyId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes a queued or failed forward due now (a failed one is queued again with its attempts reset).</summary>
    public async Task<ForwardChange> RetryAsync(long id, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var row = await FindAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
        if (row is null) return ForwardChange.NotFound;
        if (row.State is not (ForwardStates.Queued or ForwardStates.Failed)) return ForwardChange.Conflict;
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE forwards SET state = 'queued', next_attempt_at = @now, updated_at = @now, completed_at = NULL,
                                attempts = CASE WHEN state = 'failed' THEN 0 ELSE attempts END
            WHERE id = @id
            """, new { id, now = now.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await audit.RecordAsync(connection, transaction, AdministratorEvent(row, actor, "forward retried by an administrator", now), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogRetried(id, actor);
        Wake();
        return ForwardChange.Done;
    }

    /// <summary>Cancels a queued, sending or failed forward; one being sent stops after the instance in progress.</summary>
    public async Task<ForwardChange> CancelAsync(long id, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        bool released;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var row = await FindAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
            if (row is null) return ForwardChange.NotFound;
            if (row.State is not (ForwardStates.Queued or ForwardStates.Sending or ForwardStates.Failed)) return ForwardChange.Conflict;
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE forwards SET state = 'cancelled', updated_at = @now, completed_at = @now WHERE id = @id",
                new { id, now = now.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await audit.RecordAsync(connection, transaction, AdministratorEvent(row, actor, "forward cancelled by an administrator", now), cancellationToken).ConfigureAwait(false);
            released = await ReleaseIfFinishedAsync(connection, transaction, row.StudyId, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        await StopInFlightAsync(id).ConfigureAwait(false);
        LogCancelled(id, actor);
        if (released) await database.CheckpointAsync(CancellationToken.None).ConfigureAwait(false);
        return ForwardChange.Done;
    }

    /// <summary>
    /// Ends the gateway's custody of a shipped study when its shipments' time is up: every forward of it still queued,
    /// sending or failed is cancelled (each audited, actor the gateway, with <paramref name="reason"/>), one being sent
    /// stops after the instance in flight, and the study's key is erased in the same transaction. Returns how many
    /// forwards it cancelled and whether it erased the key; the caller checkpoints the database after a key is erased.
    /// </summary>
    public async Task<(int Cancelled, bool KeyErased)> CancelPendingOfStudyAsync(long studyId, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var now = time.GetUtcNow();
        List<StateRow> pending;
        bool released;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            pending = [.. await connection.QueryAsync<StateRow>(new CommandDefinition(
                $"SELECT id AS Id, study_id AS StudyId, node_id AS NodeId, state AS State, attempts AS Attempts FROM forwards WHERE study_id = @studyId AND state IN {ForwardStates.PendingSql} ORDER BY id",
                new { studyId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)];
            var patientRef = pending.Count > 0 ? await studies.PatientRefAsync(connection, transaction, studyId, cancellationToken).ConfigureAwait(false) : null;
            foreach (var row in pending)
            {
                row.PatientRef = patientRef;
                await CancelByGatewayAsync(connection, transaction, row, reason, now, cancellationToken).ConfigureAwait(false);
            }
            released = await ReleaseIfFinishedAsync(connection, transaction, studyId, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var row in pending)
        {
            await StopInFlightAsync(row.Id).ConfigureAwait(false);
            LogCancelledByGateway(row.Id, studyId, row.State);
        }
        return (pending.Count, released);
    }

    /// <summary>
    /// Bounds how long a failed forward keeps its study readable: every forward that has been 'failed' since
    /// <paramref name="failedBefore"/> or earlier (Forwarding:FailedRetention ago) is cancelled, audited, and its
    /// study's key erased when nothing else needs it. Returns how many it cancelled; checkpoints the database after.
    /// </summary>
    public async Task<int> CancelFailedBeforeAsync(DateTimeOffset failedBefore, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var released = false;
        var cancelled = 0;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            var stale = (await connection.QueryAsync<long>(new CommandDefinition(
                "SELECT id FROM forwards WHERE state = 'failed' AND completed_at <= @cutoff ORDER BY id",
                new { cutoff = failedBefore.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            foreach (var id in stale)
            {
                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                var row = await FindAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
                if (row is not { State: ForwardStates.Failed }) continue; // retried or cancelled meanwhile
                await CancelByGatewayAsync(connection, transaction, row, "failed for longer than Forwarding:FailedRetention", now, cancellationToken).ConfigureAwait(false);
                released |= await ReleaseIfFinishedAsync(connection, transaction, row.StudyId, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                cancelled++;
                LogCancelledByGateway(row.Id, row.StudyId, row.State);
            }
        }
        if (released) await database.CheckpointAsync(cancellationToken).ConfigureAwait(false);
        return cancelled;
    }

    /// <summary>The gateway ends a forward on its own (its custody of the study is over): cancelled and audited, actor the gateway.</summary>
    private async Task CancelByGatewayAsync(SqliteConnection connection, SqliteTransaction transaction, StateRow row, string reason, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE forwards SET state = 'cancelled', updated_at = @now, completed_at = @now WHERE id = @Id AND state IN {ForwardStates.PendingSql}",
            new { row.Id, now = now.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await audit.RecordAsync(connection, transaction, new AuditEvent
        {
            EventId = AuditEventIds.InstancesTransferred,
            Action = AuditAction.Execute,
            ActorKind = AuditActorKind.Gateway,
            Actor = "gateway",
            StudyId = row.StudyId,
            PatientRef = row.PatientRef,
            OccurredAt = now,
            Detail = new { what = "forward cancelled by the gateway", reason, forwardId = row.Id, nodeId = row.NodeId, previousState = row.State, row.Attempts },
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task StopInFlightAsync(long id)
    {
        if (!_inFlight.TryGetValue(id, out var sending)) return;
        try
        {
            await sending.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The attempt ended meanwhile; its final write saw the row cancelled and left it so.
        }
    }

    private AuditEvent AdministratorEvent(StateRow row, string actor, string what, DateTimeOffset now) => new()
    {
        EventId = AuditEventIds.InstancesTransferred,
        Action = AuditAction.Execute,
        ActorKind = AuditActorKind.Administrator,
        Actor = string.IsNullOrWhiteSpace(actor) ? "unknown" : actor,
        StudyId = row.StudyId,
        PatientRef = row.PatientRef,
        OccurredAt = now,
        Detail = new { what, forwardId = row.Id, nodeId = row.NodeId, previousState = row.State, row.Attempts },
    };

    private async Task<StateRow?> FindAsync(SqliteConnection connection, SqliteTransaction transaction, long id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<StateRow?>(new CommandDefinition("""
            SELECT id AS Id, study_id AS StudyId, node_id AS NodeId, state AS State, attempts AS Attempts
            FROM forwards WHERE id = @id
            """, new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (row is not null) row.PatientRef = await studies.PatientRefAsync(connection, transaction, row.StudyId, cancellationToken).ConfigureAwait(false);
        return row;
    }

    private sealed class StateRow
    {
        public long Id { get; init; }
        public long StudyId { get; init; }
        public long? NodeId { get; init; }
        public string State { get; init; } = "";
        public long Attempts { get; init; }
        public byte[]? PatientRef { get; set; }
    }

    private sealed class ViewRow
    {
        public long Id { get; init; }
        public long StudyId { get; init; }
        public long? NodeId { get; init; }
        public string? RuleName { get; init; }
        public string State { get; init; } = "";
        public long Attempts { get; init; }
        public long NextAttemptAt { get; init; }
        public string? LastError { get; init; }
        public long InstancesSent { get; init; }
        public long InstanceCount { get; init; }
        public long CreatedAt { get; init; }
        public long? CompletedAt { get; init; }

        public ForwardView ToView(Node? node) => new()
        {
            Id = Id,
            StudyId = StudyId,
            NodeId = NodeId,
            NodeName = node?.Name,
            AeTitle = node?.AeTitle,
            Host = node?.Host,
            Port = node?.Port,
            RuleName = RuleName,
            State = State,
            Attempts = Attempts,
            NextAttemptAt = State == ForwardStates.Queued ? DateTimeOffset.FromUnixTimeMilliseconds(NextAttemptAt) : null,
            LastError = LastError,
            InstancesSent = InstancesSent,
            InstanceCount = InstanceCount,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
            CompletedAt = CompletedAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
        };
    }

    [LoggerMessage(EventId = 8101, Level = LogLevel.Information, Message = "Forward {ForwardId} queued: study {StudyId} to node {NodeId}")]
    private partial void LogQueued(long forwardId, long studyId, long nodeId);

    [LoggerMessage(EventId = 8102, Level = LogLevel.Information, Message = "Forward {ForwardId} retried by {Actor}")]
    private partial void LogRetried(long forwardId, string actor);

    [LoggerMessage(EventId = 8103, Level = LogLevel.Information, Message = "Forward {ForwardId} cancelled by {Actor}")]
    private partial void LogCancelled(long forwardId, string actor);

    [LoggerMessage(EventId = 8106, Level = LogLevel.Warning, Message = "Forward {ForwardId} of study {StudyId} ({PreviousState}) cancelled by the gateway: its custody of the study has ended")]
    private partial void LogCancelledByGateway(long forwardId, long studyId, string previousState);
}
