namespace DicomGateway.Storage;

/// <summary>
/// A blob file whose asynchronous writes are done synchronously on the caller's thread. On Linux, .NET carries out an
/// asynchronous file write by queueing it to the thread pool: for every 64 KiB segment a hand-over to another thread
/// and back, which under load costs more (futex wake-ups, context switches) than the write itself, a copy into the
/// page cache. The data reaches the disk at the fdatasync of <see cref="PendingBlob.CommitAsync"/>.
/// </summary>
internal sealed class PageCacheStream(FileStream file) : Stream
{
    public override bool CanRead => file.CanRead;
    public override bool CanSeek => file.CanSeek;
    public override bool CanWrite => file.CanWrite;
    public override long Length => file.Length;

    public override long Position
    {
        get => file.Position;
        set => file.Position = value;
    }

    public override void Flush() => file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        file.Flush();
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => file.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => file.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(file.Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => file.Seek(offset, origin);

    public override void SetLength(long value) => file.SetLength(value);

    public override void Write(byte[] buffer, int offset, int count) => file.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => file.Write(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        file.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>The file belongs to <see cref="PendingBlob"/>, which closes it.</summary>
    protected override void Dispose(bool disposing) => base.Dispose(disposing);
}
