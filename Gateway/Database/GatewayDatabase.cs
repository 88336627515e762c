using System.Runtime.CompilerServices;
using DicomGateway.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Database;

/// <summary>
/// The SQLite index: the state of studies, shipments, recipients, deliveries and the audit trail. Blobs (the
/// ciphertext) live in files beside it; the database holds only what the gateway needs to operate.
/// </summary>
/// <remarks>
/// Every connection runs with synchronous=FULL (a committed transaction survives power loss), foreign keys on,
/// and secure_delete on, so that erased key material is overwritten in the file rather than left in a free page.
/// The journal is a write-ahead log: readers never wait for the writer. The schema is migrated on first use
/// (see <see cref="Migrator"/>), so nothing can query a database that is older than the code.
/// </remarks>
public sealed partial class GatewayDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly ILogger<GatewayDatabase> _logger;
    private readonly SemaphoreSlim _migrateOnce = new(1, 1);
    private volatile bool _migrated;
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = new();
    private static readonly object Configured = new();

    public GatewayDatabase(IOptions<DatabaseOptions> options, StoragePaths paths, ILogger<GatewayDatabase> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(paths);
        _logger = logger;
        FilePath = PathOf(options.Value, paths.DataDirectory);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(FilePath)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Seconds a statement waits for another connection's write lock before failing.
            DefaultTimeout = 30,
        }.ToString();
    }

    public string FilePath { get; }

    /// <summary>The database file <paramref name="options"/> name: a relative path is taken from the data directory.</summary>
    public static string PathOf(DatabaseOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, options.Path));
    }

    /// <summary>
    /// Closes the pooled connections when the host stops: the last one to close checkpoints the write-ahead log and
    /// deletes it, so a stopped gateway leaves the database in one file (which a key check reads without writing).
    /// </summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Opens a connection to a migrated database. Dispose it (it returns to the pool).</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (!_migrated) await MigrateAsync(cancellationToken).ConfigureAwait(false);
        return await OpenRawAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Pragmas belong to the underlying SQLite connection, which the pool keeps open: set them once per
            // handle, not on every open (the hot path opens a connection per received instance).
            if (connection.Handle is { } handle && !_configured.TryGetValue(handle, out _))
            {
                using var pragmas = connection.CreateCommand();
                pragmas.CommandText = "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON;";
                await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _configured.AddOrUpdate(handle, Configured);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Applies pending migrations once per process. Safe to call from several threads.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await _migrateOnce.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_migrated) return;
            await using var connection = await OpenRawAsync(cancellationToken).ConfigureAwait(false);
            using (var wal = connection.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode = WAL;";
                await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var (from, to) = await Migrator.ApplyAsync(connection, cancellationToken).ConfigureAwait(false);
            if (to != from) LogMigrated(FilePath, from, to);
            _migrated = true;
        }
        finally
        {
            _migrateOnce.Release();
        }
    }

    /// <summary>
    /// Moves every committed page from the write-ahead log into the database file and truncates the log, so that
    /// overwritten secrets (erased key shares) do not linger in old WAL frames.
    /// </summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Database {Path} migrated from schema version {From} to {To}")]
    private partial void LogMigrated(string path, int from, int to);
}
