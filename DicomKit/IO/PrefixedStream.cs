namespace DicomKit.IO;

/// <summary>
/// Bytes already taken out of a stream, then the rest of that stream: read-only and forward-only. For a reader that
/// looked ahead (to find a preamble, a meta group, the start of a deflated data set) and must hand on every byte.
/// </summary>
public sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
{
    private readonly byte[] _prefix = prefix ?? throw new ArgumentNullException(nameof(prefix));
    private readonly Stream _rest = rest ?? throw new ArgumentNullException(nameof(rest));
    private int _taken;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_taken == _prefix.Length)
            return _rest.Read(buffer);
        var n = Math.Min(buffer.Length, _prefix.Length - _taken);
        _prefix.AsSpan(_taken, n).CopyTo(buffer);
        _taken += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
