using System.Runtime.CompilerServices;
using DicomGateway.Hosting;
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
    /// One attempt to move every committed page from the write-ahead log into the database file and truncate the log,
    /// so that overwritten secrets (erased key shares) do not linger in old WAL frames. A reader still on an older
    /// snapshot makes the attempt busy: the log then keeps frames, and <see cref="WalCheckpoint.Done"/> is false.
    /// </summary>
    public async Task<WalCheckpoint> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return new WalCheckpoint(true, -1, -1);
            // The row is (busy, frames in the log, frames checkpointed); -1 frames when the database is not in WAL mode.
            return new WalCheckpoint(reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2));
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            // SQLITE_BUSY / SQLITE_LOCKED: another connection is checkpointing or writing; the same as a busy result.
            return new WalCheckpoint(true, -1, -1);
        }
    }

    /// <summary>
    /// Checkpoints until the log is empty, for erasure that must be verifiable: while a reader holds an old snapshot
    /// (and with it frames that may still carry erased bytes) the attempt is busy, and it is tried again after a
    /// growing pause (<see cref="Backoff"/>, 50 ms up to 2 s) until it is done or <paramref name="maxWait"/> has passed.
    /// True when the log was checkpointed and truncated; false when readers kept it busy all that time, and the caller
    /// must try again later.
    /// </summary>
    public async Task<bool> CheckpointUntilDoneAsync(TimeSpan maxWait, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(time);
        var backoff = new Backoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2));
        var started = time.GetTimestamp();
        for (var attempt = 1L; ; attempt++)
        {
            var result = await CheckpointAsync(cancellationToken).ConfigureAwait(false);
            if (result.Done) return true;
            var waited = time.GetElapsedTime(started);
            if (waited >= maxWait)
            {
                LogCheckpointBusy(attempt, waited);
                return false;
            }
            var pause = backoff.Delay(attempt);
            if (pause > maxWait - waited) pause = maxWait - waited;
            await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "The write-ahead log could not be checkpointed after {Attempts} attempts in {Waited}: a reader kept it busy; erased data may remain in the log until the next try")]
    private partial void LogCheckpointBusy(long attempts, TimeSpan waited);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Database {Path} migrated from schema version {From} to {To}")]
    private partial void LogMigrated(string path, int from, int to);
}

/// <summary>
/// The outcome of <c>PRAGMA wal_checkpoint(TRUNCATE)</c>: <see cref="Busy"/> when a reader or writer kept it from
/// finishing; otherwise every frame of the log was written back and the log truncated.
/// </summary>
public readonly record struct WalCheckpoint(bool Busy, long LogFrames, long CheckpointedFrames)
{
    /// <summary>Not busy, and every frame that was in the log reached the database file.</summary>
    public bool Done => !Busy && LogFrames == CheckpointedFrames;
}
