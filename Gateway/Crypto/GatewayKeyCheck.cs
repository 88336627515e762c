using System.Security.Cryptography;
using Dapper;
using DicomGateway.Database;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;

namespace DicomGateway.Crypto;

/// <summary>
/// The table gateway_key: the check value of the key the database is used with (<see cref="GatewayKeyring.CheckValue"/>).
/// Read before anything writes (<see cref="ReadWithoutWriting"/>), recorded once the schema is migrated, as the first
/// hosted service to start.
/// </summary>
public sealed class GatewayKeyCheck(GatewayDatabase database, GatewayKeyring keyring, TimeProvider time) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var check = keyring.CheckValue();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("INSERT INTO gateway_key (id, check_value, recorded_at) VALUES (1, @check, @now) ON CONFLICT (id) DO NOTHING",
            new { check, now = time.GetUtcNow().ToUnixTimeMilliseconds() }).ConfigureAwait(false);
        // Another gateway may have created the database between the check at start and this insert.
        var recorded = await connection.QuerySingleAsync<byte[]>("SELECT check_value FROM gateway_key WHERE id = 1").ConfigureAwait(false);
        if (!CryptographicOperations.FixedTimeEquals(recorded, check))
            throw new GatewayKeyRefusedException($"The gateway key is not the key the database {database.FilePath} is used with; set Shipments:GatewayKeyFile or Shipments:GatewayKey to that key");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The check value recorded in the database at <paramref name="databasePath"/>, or null when there is no database,
    /// no table or no value yet; reads without changing any file. A database with no write-ahead log is opened
    /// immutable, which creates no -wal or -shm file; one whose log is still there (the last process using it did not
    /// close it) is read from a private copy, because opening it in place, even read-only, creates or writes -shm.
    /// </summary>
    public static byte[]? ReadWithoutWriting(string databasePath)
    {
        if (!File.Exists(databasePath)) return null;
        if (!File.Exists(databasePath + "-wal"))
            return Read(new SqliteConnectionStringBuilder { DataSource = new Uri(databasePath).AbsoluteUri + "?immutable=1", Mode = SqliteOpenMode.ReadOnly, Pooling = false });

        var copy = Directory.CreateTempSubdirectory("gw-key-check-");
        try
        {
            var copied = Path.Combine(copy.FullName, "check.db");
            File.Copy(databasePath, copied);
            File.Copy(databasePath + "-wal", copied + "-wal");
            return Read(new SqliteConnectionStringBuilder { DataSource = copied, Mode = SqliteOpenMode.ReadWrite, Pooling = false });
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    private static byte[]? Read(SqliteConnectionStringBuilder connectionString)
    {
        using var connection = new SqliteConnection(connectionString.ToString());
        connection.Open();
        if (connection.ExecuteScalar<long>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'gateway_key'") == 0) return null;
        return connection.QuerySingleOrDefault<byte[]>("SELECT check_value FROM gateway_key WHERE id = 1");
    }
}
