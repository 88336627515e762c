using System.Buffers;
using System.Buffers.Binary;

namespace DicomKit.Network.Pdus;

/// <summary>One presentation data value: a fragment of a command or data set (PS3.8 9.3.5.1, Annex E.2).</summary>
internal readonly record struct Pdv(byte PresentationContextId, bool IsCommand, bool IsLast, ReadOnlySequence<byte> Data);

/// <summary>
/// P-DATA-TF PDU (PS3.8 9.3.5). Reading walks the PDV items of a framed body without copying them;
/// writing lays out PDU header, PDV header and fragment in one buffer so each PDU leaves in one send.
/// </summary>
internal static class PDataTf
{
    public const int PdvHeaderLength = sizeof(uint) /* item length */ + sizeof(byte) /* context id */ + sizeof(byte) /* control header */;

    /// <summary>Bytes in front of the fragment when a PDU carries exactly one PDV.</summary>
    public const int SinglePdvOverhead = RawPdu.HeaderLength + PdvHeaderLength;

    /// <summary>
    /// Reads the next PDV of a P-DATA-TF body. A PDV that claims more bytes than its PDU holds, or fewer than
    /// its own header, is a protocol error.
    /// </summary>
    public static bool TryReadPdv(ref SequenceReader<byte> r, out Pdv pdv)
    {
        pdv = default;
        if (r.Remaining == 0)
            return false;
        if (!r.TryReadBigEndian(out int signedLength) || r.Remaining < 2)
            throw ItemReading.Invalid("truncated PDV item header");
        var length = (uint)signedLength;
        if (length < 2)
            throw ItemReading.Invalid($"PDV item length {length} is shorter than its own header");
        if (length > r.Remaining)
            throw ItemReading.Invalid($"PDV item declares {length} bytes but its PDU holds only {r.Remaining}");
        r.TryRead(out var contextId);
        r.TryRead(out var control);
        var data = r.UnreadSequence.Slice(0, length - 2);
        r.Advance(length - 2);
        pdv = new Pdv(contextId, (control & 0x01) != 0, (control & 0x02) != 0, data);
        return true;
    }

    /// <summary>The same over a sequence, advancing it past the PDV; for callers that await between PDVs.</summary>
    public static bool TryReadPdv(ref ReadOnlySequence<byte> remaining, out Pdv pdv)
    {
        var r = new SequenceReader<byte>(remaining);
        var found = TryReadPdv(ref r, out pdv);
        remaining = r.UnreadSequence;
        return found;
    }

    /// <summary>
    /// Writes the headers of a P-DATA-TF holding one PDV of <paramref name="fragmentLength"/> bytes into the
    /// first <see cref="SinglePdvOverhead"/> bytes of <paramref name="buffer"/>; the caller puts the fragment after them.
    /// </summary>
    public static void WriteSinglePdvHeader(Span<byte> buffer, byte contextId, bool isCommand, bool isLast, int fragmentLength)
    {
        var pdvLength = sizeof(byte) /* context id */ + sizeof(byte) /* control header */ + fragmentLength;
        var pduLength = sizeof(uint) /* pdv item length */ + pdvLength;
        buffer[0] = (byte)PduType.PDataTf;
        buffer[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(buffer[2..], (uint)pduLength);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[6..], (uint)pdvLength);
        buffer[10] = contextId;
        buffer[11] = (byte)((isCommand ? 0x01 : 0x00) | (isLast ? 0x02 : 0x00));
    }
}
