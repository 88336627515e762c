using System.Buffers;
using System.Security.Cryptography;

namespace DicomGateway.Crypto;

/// <summary>
/// A read-only, seekable view of the plaintext of a segmented blob, decrypting segments on demand and caching one.
/// Made to parse a DICOM header out of an encrypted instance without decrypting its pixel data. Opening verifies the
/// header, the blob's size and the final segment, so <see cref="Length"/> is authenticated before anything is read;
/// every other segment is verified when it is first read. Failures raise <see cref="ShipmentIntegrityException"/>.
/// </summary>
public sealed class SegmentedDecryptingStream : Stream
{
    private readonly Stream _ciphertext;
    private readonly bool _leaveOpen;
    private readonly long _start;
    private readonly BlobHeader _header;
    private readonly SegmentCipher _cipher;
    private byte[]? _segment;
    private byte[]? _clear;
    private long _cachedIndex = -1;
    private int _cachedLength;
    private long _position;

    private SegmentedDecryptingStream(Stream ciphertext, bool leaveOpen, long start, BlobHeader header, ReadOnlySpan<byte> dataKey)
    {
        _ciphertext = ciphertext;
        _leaveOpen = leaveOpen;
        _start = start;
        _header = header;
        _cipher = new SegmentCipher(dataKey, header.Bytes);
        _segment = ArrayPool<byte>.Shared.Rent(header.SegmentSize + SegmentCipher.TagSize);
        _clear = ArrayPool<byte>.Shared.Rent(header.SegmentSize);
    }

    /// <summary>Opens the blob that starts at the current position of <paramref name="ciphertext"/> (readable and seekable).</summary>
    public static SegmentedDecryptingStream Open(Stream ciphertext, ReadOnlyMemory<byte> dataKey, uint expectedOrdinal, bool leaveOpen = false)
    {
        var opening = OpenCoreAsync(ciphertext, dataKey, expectedOrdinal, leaveOpen, async: false, CancellationToken.None);
        return opening.IsCompleted ? opening.GetAwaiter().GetResult() : throw new InvalidOperationException("A synchronous open did not complete synchronously");
    }

    /// <inheritdoc cref="Open"/>
    public static Task<SegmentedDecryptingStream> OpenAsync(Stream ciphertext, ReadOnlyMemory<byte> dataKey, uint expectedOrdinal, bool leaveOpen = false,
        CancellationToken cancellationToken = default) =>
        OpenCoreAsync(ciphertext, dataKey, expectedOrdinal, leaveOpen, async: true, cancellationToken).AsTask();

    private static async ValueTask<SegmentedDecryptingStream> OpenCoreAsync(Stream ciphertext, ReadOnlyMemory<byte> dataKey, uint expectedOrdinal,
        bool leaveOpen, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (!ciphertext.CanRead || !ciphertext.CanSeek) throw new ArgumentException("The ciphertext must be readable and seekable", nameof(ciphertext));
        ShipmentKeys.CheckKeyLength(dataKey.Span, nameof(dataKey));

        var start = ciphertext.Position;
        var headerBytes = new byte[BlobHeader.Size];
        var read = async
            ? await ciphertext.ReadAtLeastAsync(headerBytes, headerBytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)
            : ciphertext.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        var header = BlobHeader.Parse(headerBytes.AsSpan(0, read), expectedOrdinal);
        if (ciphertext.Length - start != SegmentedBlob.CiphertextLength(header.PlaintextLength, header.SegmentSize))
            throw new ShipmentIntegrityException("The blob's size does not match the plaintext length in its header");

        var stream = new SegmentedDecryptingStream(ciphertext, leaveOpen, start, header, dataKey.Span);
        try
        {
            // The final segment authenticates the length: verify it now, whatever the caller reads later.
            await stream.LoadSegmentAsync(header.SegmentCount - 1, async, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            if (async) await stream.DisposeAsync().ConfigureAwait(false);
            else stream.Dispose();
            throw;
        }
    }

    /// <summary>Plaintext bytes per segment, as recorded in the header.</summary>
    public int SegmentSize => _header.SegmentSize;

    public override bool CanRead => _segment is not null;
    public override bool CanSeek => _segment is not null;
    public override bool CanWrite => false;
    public override long Length => _header.PlaintextLength;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (TryCopyFromCache(buffer, out var n)) return n;
        var loading = LoadSegmentAsync(_position / SegmentSize, async: false, CancellationToken.None);
        if (!loading.IsCompleted) throw new InvalidOperationException("A synchronous read did not complete synchronously");
        loading.GetAwaiter().GetResult();
        TryCopyFromCache(buffer, out n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TryCopyFromCache(buffer.Span, out var n)) return n;
        await LoadSegmentAsync(_position / SegmentSize, async: true, cancellationToken).ConfigureAwait(false);
        TryCopyFromCache(buffer.Span, out n);
        return n;
    }

    /// <summary>Serves a read from the cached segment; false when the segment under the position must be loaded first.</summary>
    private bool TryCopyFromCache(Span<byte> destination, out int copied)
    {
        ObjectDisposedException.ThrowIf(_clear is null, this);
        copied = 0;
        if (_position >= Length || destination.IsEmpty) return true;
        var index = _position / SegmentSize;
        if (index != _cachedIndex) return false;
        var within = (int)(_position - index * SegmentSize);
        copied = Math.Min(destination.Length, _cachedLength - within);
        _clear.AsSpan(within, copied).CopyTo(destination);
        _position += copied;
        return true;
    }

    private async ValueTask LoadSegmentAsync(long index, bool async, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_segment is null || _clear is null, this);
        _cachedIndex = -1;
        var (offset, length) = SegmentedBlob.SegmentRange(index, _header.PlaintextLength, _header.SegmentSize);
        _ciphertext.Position = _start + offset;
        var segment = _segment.AsMemory(0, length);
        var read = async
            ? await _ciphertext.ReadAtLeastAsync(segment, length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)
            : _ciphertext.ReadAtLeast(segment.Span, length, throwOnEndOfStream: false);
        if (read < length) throw new ShipmentIntegrityException("The blob is truncated");
        _cipher.Open((uint)index, index == _header.SegmentCount - 1, segment.Span, _clear);
        _cachedIndex = index;
        _cachedLength = length - SegmentCipher.TagSize;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && ReleaseBuffers() && !_leaveOpen) _ciphertext.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (ReleaseBuffers() && !_leaveOpen) await _ciphertext.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private bool ReleaseBuffers()
    {
        if (_segment is null || _clear is null) return false;
        CryptographicOperations.ZeroMemory(_clear.AsSpan(0, SegmentSize));
        ArrayPool<byte>.Shared.Return(_clear);
        ArrayPool<byte>.Shared.Return(_segment);
        _clear = null;
        _segment = null;
        _cipher.Dispose();
        return true;
    }
}
