namespace DicomGateway.Storage;

/// <summary>
/// Group commit for a directory's fsync. Each committing instance renames its file, then asks for a sync; one
/// fsync that starts after a rename covers it, so concurrent associations share fsyncs instead of queueing
/// one each. A caller returns only once a sync that started after its own request has finished.
/// </summary>
internal sealed class DirectorySync(Action sync)
{
    public DirectorySync(string directory) : this(() => Durability.SyncDirectory(directory)) { }

    private readonly SemaphoreSlim _one = new(1, 1);
    private long _requested;
    private long _completed;

    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        var ticket = Interlocked.Increment(ref _requested);
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _completed) >= ticket) return; // a sync that began after our rename has finished
            var covered = Volatile.Read(ref _requested);
            sync();
            Volatile.Write(ref _completed, covered);
        }
        finally
        {
            _one.Release();
        }
    }
}
