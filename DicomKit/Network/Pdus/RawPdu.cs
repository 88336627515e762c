using System.Buffers;
using System.Buffers.Binary;

namespace DicomKit.Network.Pdus;

/// <summary>
/// One complete PDU framed in the receive buffer: its type and its body (the bytes after the 6-byte header).
/// The body borrows the pipe's memory and is valid only until the reader advances past it.
/// </summary>
internal readonly record struct RawPdu(PduType Type, ReadOnlySequence<byte> Body)
{
    public const int HeaderLength = sizeof(byte) /* type */ + sizeof(byte) /* reserved */ + sizeof(uint) /* length */;

    /// <summary>
    /// Frames one PDU. Returns false while the buffer holds only part of it. The type and declared length are
    /// judged from the first six bytes, before any body is awaited, so an HTTP request, a TLS ClientHello or a
    /// 0xFFFFFFFF length fails at once instead of making the reader buffer a body that will never be valid.
    /// </summary>
    /// <param name="buffer">Received bytes; on success, advanced past the PDU.</param>
    /// <param name="maxBodyLength">Largest body accepted for P-DATA-TF: what we told the peer we receive.</param>
    /// <param name="maxAssociateLength">Largest body accepted for every other PDU type.</param>
    /// <param name="pdu">The framed PDU, valid until the reader advances.</param>
    /// <exception cref="DicomProtocolException">Unrecognised PDU type or a length beyond what is allowed.</exception>
    public static bool TryReadPdu(ref ReadOnlySequence<byte> buffer, int maxBodyLength, int maxAssociateLength, out RawPdu pdu)
    {
        pdu = default;
        if (buffer.Length < HeaderLength)
            return false;

        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        var type = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[2..]);

        if (type is < (byte)PduType.AssociateRq or > (byte)PduType.Abort)
            throw new DicomProtocolException(AbortReason.UnrecognizedPdu, $"unrecognised PDU type 0x{type:X2}{Describe(header)}");

        var limit = (PduType)type == PduType.PDataTf ? maxBodyLength : maxAssociateLength;
        if (length > (uint)limit)
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"PDU type 0x{type:X2} declares {length} bytes, more than the {limit} allowed");
        var fixedLength = FixedBodyLength((PduType)type);
        if (fixedLength >= 0 && length != fixedLength)
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"PDU type 0x{type:X2} declares {length} bytes; it always has {fixedLength}");

        if (buffer.Length < HeaderLength + length)
            return false;

        pdu = new RawPdu((PduType)type, buffer.Slice(HeaderLength, length));
        buffer = buffer.Slice(HeaderLength + length);
        return true;
    }

    private static int FixedBodyLength(PduType type) => type switch
    {
        PduType.AssociateRj or PduType.ReleaseRq or PduType.ReleaseRp or PduType.Abort => 4,
        _ => -1,
    };

    // A word on what the stray bytes look like helps whoever reads the log: a web browser or a TLS client
    // pointed at the DICOM port is the most common source of garbage.
    private static string Describe(ReadOnlySpan<byte> header)
    {
        if (header[0] == 0x16 && header[1] == 0x03)
            return " (a TLS handshake: the peer expects DICOM over TLS)";
        if (header[0] is >= (byte)'A' and <= (byte)'Z' && header[1] is >= (byte)'A' and <= (byte)'Z')
            return " (text, perhaps an HTTP request)";
        return "";
    }
}
