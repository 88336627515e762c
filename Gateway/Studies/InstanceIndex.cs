using Dapper;
using DicomGateway.Database;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Studies;

/// <summary>
/// Index rows of received instances, committed in groups: every row waiting when a commit starts goes into one
/// transaction and one fsync of the write-ahead log, so concurrent associations share the cost of synchronous=FULL
/// instead of queueing one commit each. A caller's task completes only when its row is durable.
/// </summary>
/// <remarks>
/// The caller that finds no commit running writes the group itself, on its own thread: a single association (the
/// common case: a modality sends one instance after another) never hands its row to another thread and back.
/// Rows that arrive meanwhile wait; once the leader's group is durable, the next group is written by a thread-pool
/// item, so no caller ever commits more than its own group, and one that stops waiting leaves nobody stranded.
/// </remarks>
public sealed class InstanceIndex(GatewayDatabase database)
{
    private readonly GatewayDatabase _database = database;
    private readonly Lock _gate = new();
    private List<Pending> _waiting = new(8);
    private bool _committing;

    public sealed record Row(long StudyId, byte[] InstanceKey, byte[] ContentHash, int Ordinal, string Blob, long PlaintextLength, long CiphertextLength,
        byte[] Summary, string CallingAeTitle, string? RemoteHost, long ReceivedAt);

    /// <summary>Inserts the row; false when an instance with the same key is already indexed (nothing was written).</summary>
    public async Task<bool> AddAsync(Row row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(row);
        bool lead;
        lock (_gate)
        {
            _waiting.Add(pending);
            lead = !_committing;
            _committing = true;
        }
        if (lead) await CommitWaitingAsync().ConfigureAwait(false);
        return await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The content hash of an indexed instance, or null when there is none with that key.</summary>
    public async Task<byte[]?> FindContentHashAsync(byte[] instanceKey, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<byte[]>("SELECT content_hash FROM instances WHERE instance_key = @instanceKey", new { instanceKey })
            .ConfigureAwait(false);
    }

    /// <summary>Commits one group (everything waiting now), then passes the turn on: to the pool if more are waiting.</summary>
    private async Task CommitWaitingAsync()
    {
        List<Pending> batch;
        lock (_gate)
        {
            batch = _waiting;
            _waiting = new List<Pending>(Math.Max(8, batch.Count));
        }
        try
        {
            // Not cancellable: the rows of other callers are in this transaction.
            var results = await WriteAsync(batch, CancellationToken.None).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
        }
        catch (Exception e)
        {
            foreach (var p in batch) p.Done.TrySetException(e);
        }
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                _committing = false;
                return;
            }
        }
        ThreadPool.UnsafeQueueUserWorkItem(static index => _ = index.CommitWaitingAsync(), this, preferLocal: false);
    }

    private async Task<bool[]> WriteAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        var results = new bool[batch.Count];
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            var r = batch[i].Row;
            var inserted = await connection.ExecuteAsync(
                """
                INSERT INTO instances (study_id, instance_key, content_hash, ordinal, blob, plaintext_length, ciphertext_length, summary, calling_ae, remote_host, received_at)
                VALUES (@StudyId, @InstanceKey, @ContentHash, @Ordinal, @Blob, @PlaintextLength, @CiphertextLength, @Summary, @CallingAeTitle, @RemoteHost, @ReceivedAt)
                ON CONFLICT (instance_key) DO NOTHING
                """, r, tx).ConfigureAwait(false);
            results[i] = inserted == 1;
            if (inserted == 1)
            {
                await connection.ExecuteAsync(
                    """
                    UPDATE studies SET instance_count = instance_count + 1, total_bytes = total_bytes + @PlaintextLength,
                                       last_received_at = max(last_received_at, @ReceivedAt),
                                       committed_at = NULL
                    WHERE id = @StudyId
                    """, r, tx).ConfigureAwait(false);
            }
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    private sealed class Pending(Row row)
    {
        public Row Row { get; } = row;
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
