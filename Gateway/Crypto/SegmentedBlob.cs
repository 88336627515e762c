using System.Buffers;
using System.Security.Cryptography;

namespace DicomGateway.Crypto;

/// <summary>
/// Arithmetic of the segmented blob format (docs/shipment-format.md) and the streaming decryptor. A blob is a
/// 40-byte header followed by AES-256-GCM segments of <c>segmentSize</c> plaintext bytes plus a 16-byte tag each,
/// so a client can fetch and decrypt any segment on its own with an HTTP Range request.
/// </summary>
public static class SegmentedBlob
{
    public const int HeaderSize = BlobHeader.Size;
    public const int TagSize = SegmentCipher.TagSize;
    public const int DefaultSegmentSize = 65536;

    /// <summary>Segments in a blob: an empty plaintext still has one (empty, final) segment.</summary>
    public static long SegmentCount(long plaintextLength, int segmentSize)
    {
        CheckArguments(plaintextLength, segmentSize);
        return plaintextLength == 0 ? 1 : (plaintextLength - 1) / segmentSize + 1;
    }

    /// <summary>Total blob size for a plaintext: header, plaintext, one tag per segment.</summary>
    public static long CiphertextLength(long plaintextLength, int segmentSize = DefaultSegmentSize) =>
        HeaderSize + plaintextLength + TagSize * SegmentCount(plaintextLength, segmentSize);

    /// <summary>
    /// Where segment <paramref name="index"/> lies in the blob, for an HTTP Range request:
    /// <c>bytes=Offset-(Offset+Length-1)</c>. Its plaintext is <c>Length - 16</c> bytes starting at
    /// <c>index * segmentSize</c>.
    /// </summary>
    public static (long Offset, int Length) SegmentRange(long index, long plaintextLength, int segmentSize = DefaultSegmentSize)
    {
        var count = SegmentCount(plaintextLength, segmentSize);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        return (HeaderSize + index * ((long)segmentSize + TagSize), SegmentPlaintextLength(index, plaintextLength, segmentSize) + TagSize);
    }

    /// <summary>
    /// Decrypts a whole blob from <paramref name="ciphertext"/> (read from its current position) to
    /// <paramref name="plaintext"/>, one segment at a time. Each segment is written only after its tag verified,
    /// but the blob as a whole (its length, the absence of truncation or of trailing bytes) is proven only when this
    /// method returns: on <see cref="ShipmentIntegrityException"/> the caller must discard everything written.
    /// </summary>
    public static async Task DecryptAsync(Stream ciphertext, Stream plaintext, ReadOnlyMemory<byte> dataKey, uint expectedOrdinal,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(plaintext);
        ShipmentKeys.CheckKeyLength(dataKey.Span, nameof(dataKey));

        var headerBytes = new byte[HeaderSize];
        var read = await ciphertext.ReadAtLeastAsync(headerBytes, HeaderSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        var header = BlobHeader.Parse(headerBytes.AsSpan(0, read), expectedOrdinal);
        if (ciphertext.CanSeek && ciphertext.Length - ciphertext.Position != CiphertextLength(header.PlaintextLength, header.SegmentSize) - HeaderSize)
            throw new ShipmentIntegrityException("The blob's size does not match the plaintext length in its header");

        using var cipher = new SegmentCipher(dataKey.Span, header.Bytes);
        var segment = ArrayPool<byte>.Shared.Rent(header.SegmentSize + TagSize);
        var clear = ArrayPool<byte>.Shared.Rent(header.SegmentSize);
        try
        {
            var count = header.SegmentCount;
            for (long i = 0; i < count; i++)
            {
                var last = i == count - 1;
                var length = SegmentPlaintextLength(i, header.PlaintextLength, header.SegmentSize);
                var got = await ciphertext.ReadAtLeastAsync(segment.AsMemory(0, length + TagSize), length + TagSize, throwOnEndOfStream: false,
                    cancellationToken).ConfigureAwait(false);
                if (got < length + TagSize) throw new ShipmentIntegrityException("The blob is truncated");
                cipher.Open((uint)i, last, segment.AsSpan(0, length + TagSize), clear);
                await plaintext.WriteAsync(clear.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
            if (await ciphertext.ReadAsync(segment.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0)
                throw new ShipmentIntegrityException("The blob has bytes after its final segment");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(clear.AsSpan(0, header.SegmentSize));
            ArrayPool<byte>.Shared.Return(clear);
            ArrayPool<byte>.Shared.Return(segment);
        }
    }

    internal static int SegmentPlaintextLength(long index, long plaintextLength, int segmentSize) =>
        (int)Math.Min(segmentSize, plaintextLength - index * segmentSize);

    /// <summary>Segment indexes are u32 in the nonce, so a blob holds at most 2^32 segments.</summary>
    internal static long MaxPlaintextLength(int segmentSize) => (1L << 32) * segmentSize;

    private static void CheckArguments(long plaintextLength, int segmentSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentSize, BlobHeader.MinSegmentSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(segmentSize, BlobHeader.MaxSegmentSize);
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plaintextLength, MaxPlaintextLength(segmentSize));
    }
}
