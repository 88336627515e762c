using System.Buffers.Binary;

namespace DicomGateway.Crypto;

/// <summary>
/// The 40-byte header of a segmented blob (docs/shipment-format.md, "Blob layout"). Integers are big-endian:
/// magic "DGWS" | version u8 | algorithm u8 | reserved u16 | segment size u32 | ordinal u32 | salt (16) | plaintext length u64.
/// </summary>
internal sealed class BlobHeader
{
    public const int Size =
        4 /* magic */ + sizeof(byte) /* version */ + sizeof(byte) /* algorithm */ + sizeof(ushort) /* reserved */ +
        sizeof(uint) /* segment size */ + sizeof(uint) /* ordinal */ + SaltSize + sizeof(ulong) /* plaintext length */;

    public const int SaltSize = 16;
    public const byte Version = 1;
    public const byte AlgorithmAes256GcmHkdfSha256 = 1;

    /// <summary>Smallest and largest segment a writer may choose and a reader accepts (the reader buffers one).</summary>
    public const int MinSegmentSize = 16;
    public const int MaxSegmentSize = 16 * 1024 * 1024;

    internal const int SegmentSizeOffset = 8;
    internal const int OrdinalOffset = 12;
    internal const int SaltOffset = 16;
    internal const int LengthOffset = 32;

    private static ReadOnlySpan<byte> Magic => "DGWS"u8;

    private BlobHeader(byte[] bytes, int segmentSize, uint ordinal, long plaintextLength)
    {
        Bytes = bytes;
        SegmentSize = segmentSize;
        Ordinal = ordinal;
        PlaintextLength = plaintextLength;
    }

    /// <summary>The header exactly as stored, plaintext length included.</summary>
    public byte[] Bytes { get; }

    public int SegmentSize { get; }

    public uint Ordinal { get; }

    public long PlaintextLength { get; }

    public ReadOnlySpan<byte> Salt => Bytes.AsSpan(SaltOffset, SaltSize);

    public long SegmentCount => SegmentedBlob.SegmentCount(PlaintextLength, SegmentSize);

    public static void Write(Span<byte> destination, int segmentSize, uint ordinal, ReadOnlySpan<byte> salt, long plaintextLength)
    {
        Magic.CopyTo(destination);
        destination[4] = Version;
        destination[5] = AlgorithmAes256GcmHkdfSha256;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[SegmentSizeOffset..], (uint)segmentSize);
        BinaryPrimitives.WriteUInt32BigEndian(destination[OrdinalOffset..], ordinal);
        salt.CopyTo(destination.Slice(SaltOffset, SaltSize));
        SetPlaintextLength(destination, plaintextLength);
    }

    public static void SetPlaintextLength(Span<byte> header, long plaintextLength) =>
        BinaryPrimitives.WriteUInt64BigEndian(header[LengthOffset..], (ulong)plaintextLength);

    /// <summary>
    /// Checks every field a reader can check before decrypting anything. The tags will catch any change as well;
    /// these checks only give a clearer message and keep a hostile header from sizing our buffers.
    /// </summary>
    public static BlobHeader Parse(ReadOnlySpan<byte> header, uint expectedOrdinal)
    {
        if (header.Length < Size) throw new ShipmentIntegrityException("The blob is shorter than its header");
        if (!header[..4].SequenceEqual(Magic)) throw new ShipmentIntegrityException("The blob does not start with the DGWS magic");
        if (header[4] != Version) throw new ShipmentIntegrityException("Unsupported blob format version");
        if (header[5] != AlgorithmAes256GcmHkdfSha256) throw new ShipmentIntegrityException("Unsupported blob algorithm");
        if (BinaryPrimitives.ReadUInt16BigEndian(header[6..]) != 0) throw new ShipmentIntegrityException("The reserved header field is not zero");
        var segmentSize = BinaryPrimitives.ReadUInt32BigEndian(header[SegmentSizeOffset..]);
        if (segmentSize is < MinSegmentSize or > MaxSegmentSize) throw new ShipmentIntegrityException("The blob's segment size is out of range");
        var ordinal = BinaryPrimitives.ReadUInt32BigEndian(header[OrdinalOffset..]);
        if (ordinal != expectedOrdinal) throw new ShipmentIntegrityException("The blob is not at the position in the shipment it was expected at");
        var length = BinaryPrimitives.ReadUInt64BigEndian(header[LengthOffset..]);
        if (length > (ulong)SegmentedBlob.MaxPlaintextLength((int)segmentSize)) throw new ShipmentIntegrityException("The blob's plaintext length is out of range");
        return new BlobHeader(header[..Size].ToArray(), (int)segmentSize, ordinal, (long)length);
    }
}
