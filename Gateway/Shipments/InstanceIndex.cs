using System.Threading.Channels;
using Dapper;
using DicomGateway.Database;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;

namespace DicomGateway.Shipments;

/// <summary>
/// Index rows of received instances, committed in groups: every instance waiting to be indexed when the writer
/// is free goes into one transaction and one fsync of the write-ahead log, so concurrent associations share the
/// cost of synchronous=FULL instead of queueing one commit each. A caller's task completes only when its row is
/// durable.
/// </summary>
public sealed class InstanceIndex : BackgroundService
{
    private readonly GatewayDatabase _database;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    public InstanceIndex(GatewayDatabase database) => _database = database;

    public sealed record Row(long StudyId, byte[] InstanceKey, byte[] ContentHash, int Ordinal, string Blob, long PlaintextLength, long CiphertextLength,
        byte[] Summary, string CallingAeTitle, long ReceivedAt);

    /// <summary>Inserts the row; false when an instance with the same key is already indexed (nothing was written).</summary>
    public async Task<bool> AddAsync(Row row, CancellationToken cancellationToken)
    {
        var pending = new Pending(row);
        await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        return await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The content hash of an indexed instance, or null when there is none with that key.</summary>
    public async Task<byte[]?> FindContentHashAsync(byte[] instanceKey, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<byte[]>("SELECT content_hash FROM instances WHERE instance_key = @instanceKey", new { instanceKey })
            .ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(64);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < 256 && _queue.Reader.TryRead(out var next)) batch.Add(next);
                try
                {
                    var results = await WriteAsync(batch, stoppingToken).ConfigureAwait(false);
                    for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
                }
                catch (Exception e)
                {
                    foreach (var p in batch) p.Done.TrySetException(e);
                }
            }
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var left)) left.Done.TrySetCanceled(stoppingToken);
        }
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
                INSERT INTO instances (study_id, instance_key, content_hash, ordinal, blob, plaintext_length, ciphertext_length, summary, calling_ae, received_at)
                VALUES (@StudyId, @InstanceKey, @ContentHash, @Ordinal, @Blob, @PlaintextLength, @CiphertextLength, @Summary, @CallingAeTitle, @ReceivedAt)
                ON CONFLICT (instance_key) DO NOTHING
                """, r, tx).ConfigureAwait(false);
            results[i] = inserted == 1;
            if (inserted == 1)
            {
                await connection.ExecuteAsync(
                    """
                    UPDATE studies SET instance_count = instance_count + 1, total_bytes = total_bytes + @PlaintextLength,
                                       last_received_at = max(last_received_at, @ReceivedAt)
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
