using System.Collections.Concurrent;
using DicomKit.Network;

namespace DicomKit.Tests.Network.Support;

/// <summary>
/// A sink writing each instance to a file (or nowhere), recording what it saw. Optional fault injection makes
/// Begin, Write or Commit fail so the failure statuses can be checked.
/// </summary>
internal sealed class RecordingSink(string? directory) : IStorageSink
{
    public sealed record Received(StoreRequestContext Context, string? Path, long Bytes);

    public ConcurrentQueue<Received> Committed { get; } = new();
    public ConcurrentQueue<StoreRequestContext> Aborted { get; } = new();
    public Func<StoreRequestContext, Exception?>? FailOnBegin { get; set; }
    public Func<StoreRequestContext, Exception?>? FailOnWrite { get; set; }
    public Func<StoreRequestContext, Exception?>? FailOnCommit { get; set; }
    public int Open => Volatile.Read(ref _open);
    private int _open;

    public ValueTask<IIncomingInstance> BeginAsync(StoreRequestContext context, CancellationToken cancellationToken)
    {
        if (FailOnBegin?.Invoke(context) is { } e)
            throw e;
        Interlocked.Increment(ref _open);
        var path = directory is null ? null : System.IO.Path.Combine(directory, context.SopInstanceUid + ".bin");
        Stream stream = path is null ? Stream.Null : new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true);
        return ValueTask.FromResult<IIncomingInstance>(new Instance(this, context, path, stream));
    }

    private sealed class Instance(RecordingSink sink, StoreRequestContext context, string? path, Stream stream) : IIncomingInstance
    {
        private readonly CountingStream _content = new(stream, () => sink.FailOnWrite?.Invoke(context));
        private bool _disposed;

        public Stream Content => _content;

        public async ValueTask<DimseStatus> CommitAsync(CancellationToken cancellationToken)
        {
            if (sink.FailOnCommit?.Invoke(context) is { } e)
                throw e;
            await _content.FlushAsync(cancellationToken);
            sink.Committed.Enqueue(new Received(context, path, _content.Written));
            return DimseStatus.Success;
        }

        public async ValueTask AbortAsync(CancellationToken cancellationToken)
        {
            sink.Aborted.Enqueue(context);
            await _content.DisposeAsync();
            if (path is not null)
                File.Delete(path);
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
                return;
            _disposed = true;
            Interlocked.Decrement(ref sink._open);
            await _content.DisposeAsync();
        }
    }

    private sealed class CountingStream(Stream inner, Func<Exception?> fault) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the SCP writes asynchronously");

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (fault() is { } e)
                throw e;
            Written += buffer.Length;
            await inner.WriteAsync(buffer, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
