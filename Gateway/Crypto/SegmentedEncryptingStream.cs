using System.Buffers;
using System.Security.Cryptography;

namespace DicomGateway.Crypto;

/// <summary>
/// Encrypts an instance as it arrives into a segmented blob (docs/shipment-format.md), holding at most one
/// segment of plaintext. A full segment is sealed only once a further byte arrives, because only then is it known
/// not to be the final one. The length is unknown until <see cref="CompleteAsync"/>, which seals the final segment
/// with the complete header as associated data and rewrites the header in place; hence the output must be seekable.
/// Disposing without completing leaves an unusable blob, which the caller deletes.
/// </summary>
public sealed class SegmentedEncryptingStream : Stream
{
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly long _start;
    private readonly int _segmentSize;
    private readonly SegmentCipher _cipher;
    private byte[]? _plain;   // the segment being filled, _buffered bytes, not yet sealed
    private byte[]? _sealed;  // bytes due to the output: the header (until first written) and one sealed segment
    private int _buffered;
    private int _pending;
    private bool _segmentReady;
    private bool _headerWritten;
    private long _segments;
    private long _length;
    private bool _completed;
    private bool _broken;

    /// <param name="output">Seekable, positioned where the blob starts; the blob is written from there on.</param>
    /// <param name="dataKey">The shipment's 32-byte data key; only the derived blob key is kept.</param>
    /// <param name="ordinal">The blob's position in its shipment: 0 for the manifest, 1..n for instances.</param>
    public SegmentedEncryptingStream(Stream output, ReadOnlySpan<byte> dataKey, uint ordinal, int segmentSize = SegmentedBlob.DefaultSegmentSize,
        bool leaveOpen = false)
        : this(output, dataKey, ordinal, segmentSize, leaveOpen, ReadOnlySpan<byte>.Empty)
    {
    }

    /// <summary>With an explicit salt, for the published test vectors only; an empty salt means a random one.</summary>
    internal SegmentedEncryptingStream(Stream output, ReadOnlySpan<byte> dataKey, uint ordinal, int segmentSize, bool leaveOpen, ReadOnlySpan<byte> salt)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanSeek || !output.CanWrite) throw new ArgumentException("The output must be writable and seekable", nameof(output));
        ShipmentKeys.CheckKeyLength(dataKey, nameof(dataKey));
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentSize, BlobHeader.MinSegmentSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(segmentSize, BlobHeader.MaxSegmentSize);
        if (!salt.IsEmpty && salt.Length != BlobHeader.SaltSize) throw new ArgumentException("The salt must be 16 bytes", nameof(salt));

        _output = output;
        _leaveOpen = leaveOpen;
        _start = output.Position;
        _segmentSize = segmentSize;

        Span<byte> header = stackalloc byte[BlobHeader.Size];
        BlobHeader.Write(header, segmentSize, ordinal, salt.IsEmpty ? stackalloc byte[BlobHeader.SaltSize] : salt, plaintextLength: 0);
        if (salt.IsEmpty) RandomNumberGenerator.Fill(header.Slice(BlobHeader.SaltOffset, BlobHeader.SaltSize));
        _cipher = new SegmentCipher(dataKey, header);
        _plain = ArrayPool<byte>.Shared.Rent(segmentSize);
        _sealed = ArrayPool<byte>.Shared.Rent(BlobHeader.Size + segmentSize + SegmentCipher.TagSize);
        // The placeholder goes out with the first sealed segment: one write, and no I/O in a constructor.
        header.CopyTo(_sealed);
        _pending = BlobHeader.Size;
    }

    /// <summary>Plaintext bytes accepted so far; after completion, the length recorded in the header.</summary>
    public long PlaintextLength => _length;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => _plain is not null && !_completed && !_broken;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWritable();
        try
        {
            while (!buffer.IsEmpty)
            {
                buffer = buffer[Absorb(buffer)..];
                if (_segmentReady)
                {
                    _output.Write(_sealed!, 0, _pending);
                    Written();
                }
            }
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        try
        {
            while (!buffer.IsEmpty)
            {
                buffer = buffer[Absorb(buffer.Span)..];
                if (_segmentReady)
                {
                    await _output.WriteAsync(_sealed.AsMemory(0, _pending), cancellationToken).ConfigureAwait(false);
                    Written();
                }
            }
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    /// <summary>
    /// The whole of the encryption logic for both write paths: takes what it can from <paramref name="input"/> and
    /// returns how much. When it seals a segment, <see cref="_segmentReady"/> asks the caller to write
    /// <see cref="_sealed"/> out before calling again.
    /// </summary>
    private int Absorb(ReadOnlySpan<byte> input)
    {
        if (_buffered == _segmentSize)
        {
            // More input exists, so the buffered full segment is not the final one.
            SealNext(_plain.AsSpan(0, _segmentSize), last: false);
            _buffered = 0;
            return 0;
        }
        if (_buffered == 0 && input.Length > _segmentSize)
        {
            // A whole segment with more behind it: sealed straight from the caller's buffer, no copy.
            SealNext(input[.._segmentSize], last: false);
            _length += _segmentSize;
            return _segmentSize;
        }
        var n = Math.Min(_segmentSize - _buffered, input.Length);
        input[..n].CopyTo(_plain.AsSpan(_buffered));
        _buffered += n;
        _length += n;
        return n;
    }

    private void SealNext(ReadOnlySpan<byte> plaintext, bool last)
    {
        if (_segments > uint.MaxValue) throw new InvalidOperationException("A blob holds at most 2^32 segments");
        _cipher.Seal((uint)_segments, last, plaintext, _sealed.AsSpan(_pending, plaintext.Length + SegmentCipher.TagSize));
        _pending += plaintext.Length + SegmentCipher.TagSize;
        _segments++;
        _segmentReady = true;
    }

    private void Written()
    {
        _pending = 0;
        _segmentReady = false;
        _headerWritten = true;
    }

    /// <summary>
    /// Seals the final segment (the buffered bytes: empty only for an empty plaintext), writes it, rewrites the
    /// header with the real length and leaves the output positioned at the end of the blob, flushed.
    /// </summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        EnsureWritable();
        try
        {
            _cipher.SetPlaintextLength(_length);
            if (!_headerWritten) _cipher.FinalHeader.CopyTo(_sealed); // a one-segment blob goes out in one write
            SealNext(_plain.AsSpan(0, _buffered), last: true);
            _buffered = 0;
            await _output.WriteAsync(_sealed.AsMemory(0, _pending), cancellationToken).ConfigureAwait(false);
            var end = _output.Position;
            if (_headerWritten)
            {
                _cipher.FinalHeader.CopyTo(_sealed);
                _output.Position = _start;
                await _output.WriteAsync(_sealed.AsMemory(0, BlobHeader.Size), cancellationToken).ConfigureAwait(false);
                _output.Position = end;
            }
            Written();
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            _completed = true;
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    private void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(_plain is null, this);
        if (_completed) throw new InvalidOperationException("The blob is complete");
        if (_broken) throw new InvalidOperationException("An earlier write failed; the blob is unusable");
    }

    /// <summary>Sealed segments are handed to the output as soon as they exist; a partial segment cannot be flushed.</summary>
    public override void Flush() => _output.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && ReleaseBuffers() && !_leaveOpen) _output.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (ReleaseBuffers() && !_leaveOpen) await _output.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private bool ReleaseBuffers()
    {
        if (_plain is null) return false;
        CryptographicOperations.ZeroMemory(_plain.AsSpan(0, _segmentSize));
        ArrayPool<byte>.Shared.Return(_plain);
        ArrayPool<byte>.Shared.Return(_sealed!);
        _plain = null;
        _sealed = null;
        _cipher.Dispose();
        return true;
    }
}
