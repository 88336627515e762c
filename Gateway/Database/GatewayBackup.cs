using DicomGateway.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Database;

/// <summary>
/// The command <c>backup &lt;target-dir&gt;</c> (docs/backup.md): a consistent copy of the database by SQLite's online
/// backup, while the gateway may be running, then the committed blobs. Never the gateway key, which is kept apart from
/// every copy of the data; never the outboxes.
/// </summary>
public static partial class GatewayBackup
{
    /// <summary>The first argument that selects this command instead of running the gateway.</summary>
    public const string Command = "backup";

    /// <summary>Runs the command with the gateway's settings; the process's exit code.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(arguments);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayBackup).FullName!);
        if (arguments.Count != 1)
        {
            LogUsage(logger);
            return 2;
        }
        var paths = services.GetRequiredService<StoragePaths>();
        var databasePath = GatewayDatabase.PathOf(services.GetRequiredService<IOptions<DatabaseOptions>>().Value, paths.DataDirectory);
        var target = Path.GetFullPath(arguments[0], services.GetRequiredService<IHostEnvironment>().ContentRootPath);
        try
        {
            var (blobs, bytes) = await BackUpAsync(databasePath, BlobStore.DirectoryOf(paths.DataDirectory), paths.DataDirectory, target, cancellationToken)
                .ConfigureAwait(false);
            LogDone(logger, target, blobs, bytes);
            return 0;
        }
        catch (BackupRefusedException e)
        {
            LogRefused(logger, e.Message);
            return 1;
        }
    }

    /// <summary>Copies the database and the committed blobs into <paramref name="target"/>, which must be empty or absent and outside the data directory.</summary>
    public static async Task<(int Blobs, long Bytes)> BackUpAsync(string databasePath, string blobDirectory, string dataDirectory, string target,
        CancellationToken cancellationToken)
    {
        var relative = Path.GetRelativePath(dataDirectory, target);
        if (relative == "." || (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative)))
            throw new BackupRefusedException($"The backup directory {target} is inside the data directory {dataDirectory}; choose one outside it");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new BackupRefusedException($"The backup directory {target} is not empty; choose a new one");
        if (!File.Exists(databasePath)) throw new BackupRefusedException($"There is no database at {databasePath} (Storage:DataDirectory, Database:Path)");

        var owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(target);
        else Directory.CreateDirectory(target, owner);
        await using (var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        await using (var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(target, Path.GetFileName(databasePath)), Pooling = false }.ToString()))
        {
            await source.OpenAsync(cancellationToken).ConfigureAwait(false);
            await copy.OpenAsync(cancellationToken).ConfigureAwait(false);
            source.BackupDatabase(copy);
        }

        // After the database: every blob its rows name was committed before the copy (a blob appears under its final name only once complete).
        var blobTarget = Path.Combine(target, Path.GetFileName(blobDirectory));
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(blobTarget);
        else Directory.CreateDirectory(blobTarget, owner);
        var (count, bytes) = (0, 0L);
        if (Directory.Exists(blobDirectory))
        {
            foreach (var blob in Directory.EnumerateFiles(blobDirectory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (blob.EndsWith(".part", StringComparison.Ordinal)) continue;
                try
                {
                    File.Copy(blob, Path.Combine(blobTarget, Path.GetFileName(blob)));
                }
                catch (FileNotFoundException)
                {
                    // Erased by the sweeper since it was listed: its shipment ended.
                    continue;
                }
                count++;
                bytes += new FileInfo(Path.Combine(blobTarget, Path.GetFileName(blob))).Length;
            }
        }
        return (count, bytes);
    }

    private sealed class BackupRefusedException(string message) : Exception(message);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Backed up the database and {Blobs} blobs ({Bytes} bytes) to {Target}; the gateway key is not in it: keep it apart")]
    private static partial void LogDone(ILogger logger, string target, int blobs, long bytes);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Backup refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Error, Message = "Usage: DicomGateway backup <target-dir>")]
    private static partial void LogUsage(ILogger logger);
}
