using Microsoft.Data.Sqlite;

namespace DicomGateway.Database;

/// <summary>
/// Writes to tables that are also held in memory as a snapshot (routing rules, address-book contacts, the nodes'
/// allow-list): one write at a time, each committed in its own transaction and followed by a reload, so that
/// snapshots are published in commit order and a reader never sees one older than a write that has returned.
/// </summary>
public sealed class SnapshotWrites(GatewayDatabase database)
{
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>Runs <paramref name="write"/> in a transaction, commits, then runs <paramref name="reload"/>.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> write, Func<CancellationToken, Task> reload,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(reload);
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            T result;
            await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
            {
                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                result = await write(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            // Committed: the snapshot must follow even if the caller has given up waiting.
            await reload(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Runs <paramref name="reload"/> between writes; with <paramref name="unlessLoaded"/>, only while that says no snapshot exists yet.</summary>
    public async Task LoadAsync(Func<CancellationToken, Task> reload, CancellationToken cancellationToken, Func<bool>? unlessLoaded = null)
    {
        ArgumentNullException.ThrowIfNull(reload);
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (unlessLoaded?.Invoke() != true) await reload(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _one.Release();
        }
    }
}
