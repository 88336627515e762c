using Dapper;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Support;

/// <summary>
/// Another connection to a gateway database (outside the pool) inside a read transaction: it keeps the snapshot it
/// first read until disposed, which keeps a write-ahead-log checkpoint from finishing, as a report or a backup would.
/// </summary>
public sealed class ReadSnapshot : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    private ReadSnapshot(SqliteConnection connection, SqliteTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public static async Task<ReadSnapshot> HoldAsync(string databasePath)
    {
        var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        var transaction = connection.BeginTransaction(deferred: true);
        // The first read fixes the snapshot.
        await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM sqlite_schema", transaction: transaction);
        return new ReadSnapshot(connection, transaction);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
