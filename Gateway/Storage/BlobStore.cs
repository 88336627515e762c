using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Storage;

/// <summary>
/// The files that hold ciphertext: {DataDirectory}/blobs/{id}, named by an internal id (a time-ordered GUID), never
/// by a UID or any other value from a data set. A blob appears under its final name only once it is complete and
/// flushed; until then it is "{id}.part". Nothing but ciphertext is ever written here.
/// </summary>
public sealed partial class BlobStore
{
    private readonly ILogger<BlobStore> _logger;

    public BlobStore(IOptions<StorageOptions> options, StoragePaths paths, ILogger<BlobStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(paths);
        _logger = logger;
        Directory = DirectoryOf(paths.DataDirectory);
        System.IO.Directory.CreateDirectory(Directory);
        DirectorySync = new DirectorySync(Directory);
        FlushToDisk = options.Value.FlushToDisk;
        if (!FlushToDisk) LogNotDurable(Directory);
    }

    public string Directory { get; }

    /// <summary>Where the blobs of <paramref name="dataDirectory"/> are, without creating it (for a backup).</summary>
    public static string DirectoryOf(string dataDirectory) => Path.Combine(dataDirectory, "blobs");

    /// <summary>See <see cref="StorageOptions.FlushToDisk"/>.</summary>
    internal bool FlushToDisk { get; }

    internal DirectorySync DirectorySync { get; }

    public string PathOf(string id) => Path.Combine(Directory, id);

    public static string NewId() => Guid.CreateVersion7().ToString("N");

    /// <summary>Creates "{id}.part", open for reading and writing (the encryptor seeks back to finish its header).</summary>
    public PendingBlob Create()
    {
        var id = NewId();
        var partial = PathOf(id) + ".part";
        // Synchronous writes (see PageCacheStream): unbuffered, the encryptor writes whole segments.
        var fs = new FileStream(partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 0, FileOptions.None);
        return new PendingBlob(this, id, partial, fs);
    }

    /// <summary>Every committed blob id on disk.</summary>
    public IEnumerable<string> EnumerateIds() =>
        System.IO.Directory.EnumerateFiles(Directory).Select(Path.GetFileName).Where(n => n is { Length: 32 } && n.All(char.IsAsciiHexDigitLower))!;

    /// <summary>
    /// A ".part" file at start is a blob whose instance was never acknowledged: the process stopped before its commit
    /// returned. The sender will send it again.
    /// </summary>
    public int RemovePartials()
    {
        var removed = 0;
        foreach (var leftover in System.IO.Directory.EnumerateFiles(Directory, "*.part"))
        {
            try
            {
                File.Delete(leftover);
                removed++;
            }
            catch (IOException) { }
        }
        if (removed > 0) LogPartialsRemoved(removed);
        return removed;
    }

    /// <summary>Deletes a committed blob; a missing one is not an error (erasure is repeated after a crash).</summary>
    public void Delete(string id)
    {
        try { File.Delete(PathOf(id)); } catch (DirectoryNotFoundException) { }
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Storage:FlushToDisk is off: blobs in {Directory} are acknowledged before they are on disk and can be lost on power failure")]
    private partial void LogNotDurable(string directory);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Removed {Count} partial blobs of transfers interrupted before they were acknowledged")]
    private partial void LogPartialsRemoved(int count);
}

/// <summary>A blob being written: write to <see cref="Stream"/>, then <see cref="CommitAsync"/> or dispose to delete it.</summary>
public sealed class PendingBlob : IAsyncDisposable
{
    private readonly BlobStore _store;
    private readonly string _partial;
    private readonly FileStream _file;
    private bool _committed;
    private bool _closed;

    internal PendingBlob(BlobStore store, string id, string partial, FileStream file)
    {
        _store = store;
        Id = id;
        _partial = partial;
        _file = file;
        Stream = new PageCacheStream(file);
    }

    public string Id { get; }

    public Stream Stream { get; }

    /// <summary>
    /// Data on disk (fdatasync), then renamed into place. The rename itself becomes durable with
    /// <see cref="SyncDirectoryAsync"/>, which the caller may run concurrently with its index commit: a crash
    /// before both finish leaves a blob without a row or a row without a blob, and neither was acknowledged.
    /// </summary>
    public async Task<long> CommitAsync(CancellationToken cancellationToken)
    {
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_store.FlushToDisk) Durability.FlushData(_file);
        var length = _file.Length;
        await _file.DisposeAsync().ConfigureAwait(false);
        _closed = true;
        File.Move(_partial, _store.PathOf(Id));
        _committed = true;
        return length;
    }

    /// <summary>Whether <see cref="SyncDirectoryAsync"/> has anything to do (not with Storage:FlushToDisk off).</summary>
    public bool NeedsDirectorySync => _store.FlushToDisk;

    public Task SyncDirectoryAsync(CancellationToken cancellationToken) =>
        _store.FlushToDisk ? _store.DirectorySync.SyncAsync(cancellationToken) : Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (!_closed)
        {
            _closed = true;
            await _file.DisposeAsync().ConfigureAwait(false);
        }
        if (!_committed)
        {
            _committed = true;
            try { File.Delete(_partial); } catch (IOException) { }
        }
    }
}
