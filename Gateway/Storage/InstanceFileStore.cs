using DicomKit.IO;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Storage;

/// <summary>
/// Writes received instances as Part-10 files under {DataDirectory}/incoming, named by an internal id (a
/// time-ordered GUID), never by a UID or any other value from the data set: those come from the network and
/// cannot be trusted as file names. A file appears under its final name only once it is complete and flushed
/// to disk; until then it is "{id}.dcm.part", and an aborted transfer deletes it. Writes are unbuffered: the SCP
/// hands over whole PDV fragments, which go to the kernel as they are.
/// </summary>
public sealed partial class InstanceFileStore
{
    private readonly ILogger<InstanceFileStore> _logger;

    public InstanceFileStore(IOptions<StorageOptions> options, StoragePaths paths, ILogger<InstanceFileStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(paths);
        _logger = logger;
        IncomingDirectory = Path.Combine(paths.DataDirectory, "incoming");
        Directory.CreateDirectory(IncomingDirectory);
        DirectorySync = new DirectorySync(IncomingDirectory);
        FlushToDisk = options.Value.FlushToDisk;
        RemoveLeftovers();
        if (!FlushToDisk) LogNotDurable(IncomingDirectory);
    }

    /// <summary>
    /// A ".part" file at start is an instance that was never acknowledged: the process stopped before its commit
    /// returned (the rename and the directory fsync come before the answer). The sender will send it again.
    /// </summary>
    private void RemoveLeftovers()
    {
        foreach (var leftover in Directory.EnumerateFiles(IncomingDirectory, "*.part"))
        {
            try
            {
                File.Delete(leftover);
                LogLeftoverRemoved(Path.GetFileName(leftover));
            }
            catch (IOException) { }
        }
    }

    /// <summary>See <see cref="StorageOptions.FlushToDisk"/>.</summary>
    internal bool FlushToDisk { get; }

    internal DirectorySync DirectorySync { get; }

    public string IncomingDirectory { get; }

    /// <summary>Starts a new instance: creates the partial file and writes preamble and meta information.</summary>
    public async Task<PendingInstance> BeginAsync(string sopClassUid, string sopInstanceUid, DicomTransferSyntax transferSyntax, string callingAeTitle,
        CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7().ToString("N");
        var final = Path.Combine(IncomingDirectory, id + ".dcm");
        var partial = final + ".part";
        // The header is a few hundred bytes: composed in memory, written with one asynchronous write.
        using var header = new MemoryStream(512);
        DicomFile.WritePreambleAndMeta(header, sopClassUid, sopInstanceUid, transferSyntax, callingAeTitle);
        var fs = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        try
        {
            await fs.WriteAsync(header.GetBuffer().AsMemory(0, (int)header.Length), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await fs.DisposeAsync().ConfigureAwait(false);
            File.Delete(partial);
            throw;
        }
        return new PendingInstance(this, id, partial, final, fs);
    }

    internal void Committed(string id, long bytes) => LogStored(id, bytes);

    internal void Aborted(string id) => LogAborted(id);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Storage:FlushToDisk is off: instances in {Directory} are acknowledged before they are on disk and can be lost on power failure")]
    private partial void LogNotDurable(string directory);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Removed {File}, an instance whose transfer was interrupted before it was acknowledged")]
    private partial void LogLeftoverRemoved(string file);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Stored instance {InstanceId} ({Bytes} bytes)")]
    private partial void LogStored(string instanceId, long bytes);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Discarded incomplete instance {InstanceId}")]
    private partial void LogAborted(string instanceId);
}

/// <summary>An instance being received: write the data set bytes to <see cref="Stream"/>, then commit or abort.</summary>
public sealed class PendingInstance : IAsyncDisposable
{
    private readonly InstanceFileStore _store;
    private readonly string _partial;
    private readonly FileStream _file;
    private bool _done;

    internal PendingInstance(InstanceFileStore store, string id, string partial, string final, FileStream file)
    {
        _store = store;
        Id = id;
        _partial = partial;
        FinalPath = final;
        _file = file;
    }

    /// <summary>The internal id that names the file.</summary>
    public string Id { get; }

    public string FinalPath { get; }

    /// <summary>Where the data set bytes go, in the transfer syntax announced in <see cref="InstanceFileStore.Begin"/>.</summary>
    public Stream Stream => _file;

    /// <summary>
    /// Makes the instance durable: data on disk (fdatasync), renamed into place, the rename itself on disk (fsync of
    /// the directory). Only after this returns may the sender be told "success".
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_store.FlushToDisk) Durability.FlushData(_file);
        var length = _file.Length;
        await _file.DisposeAsync().ConfigureAwait(false);
        File.Move(_partial, FinalPath);
        _done = true;
        if (_store.FlushToDisk) await _store.DirectorySync.SyncAsync(cancellationToken).ConfigureAwait(false);
        _store.Committed(Id, length);
    }

    /// <summary>Deletes the partial file.</summary>
    public async Task AbortAsync()
    {
        if (_done) return;
        _done = true;
        await _file.DisposeAsync().ConfigureAwait(false);
        try { File.Delete(_partial); } catch (IOException) { }
        _store.Aborted(Id);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_done) await AbortAsync().ConfigureAwait(false);
    }
}
