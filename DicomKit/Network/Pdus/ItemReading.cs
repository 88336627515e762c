using System.Buffers;
using System.Text;

namespace DicomKit.Network.Pdus;

/// <summary>
/// Field readers for the variable items of association PDUs. Every length read from the wire is checked
/// against what remains before it is used, so a lying length is a protocol error, never an over-read
/// or an allocation sized by the peer.
/// </summary>
internal static class ItemReading
{
    public static DicomProtocolException Invalid(string what) =>
        new(AbortReason.InvalidPduParameterValue, what);

    public static byte ReadByte(ref SequenceReader<byte> r, string what) =>
        r.TryRead(out var b) ? b : throw Invalid($"truncated {what}");

    public static ushort ReadUInt16(ref SequenceReader<byte> r, string what) =>
        r.TryReadBigEndian(out short v) ? (ushort)v : throw Invalid($"truncated {what}");

    public static uint ReadUInt32(ref SequenceReader<byte> r, string what) =>
        r.TryReadBigEndian(out int v) ? (uint)v : throw Invalid($"truncated {what}");

    public static void Skip(ref SequenceReader<byte> r, long count, string what)
    {
        if (r.Remaining < count)
            throw Invalid($"truncated {what}");
        r.Advance(count);
    }

    /// <summary>Reads an item header and returns a reader over exactly its body; the outer reader moves past it.</summary>
    public static SequenceReader<byte> ReadItem(ref SequenceReader<byte> r, out byte type, string what)
    {
        type = ReadByte(ref r, what);
        ReadByte(ref r, what);
        var length = ReadUInt16(ref r, what);
        if (r.Remaining < length)
            throw Invalid($"{what} item 0x{type:X2} declares {length} bytes but only {r.Remaining} remain");
        var body = r.UnreadSequence.Slice(0, length);
        r.Advance(length);
        return new SequenceReader<byte>(body);
    }

    /// <summary>ASCII text of a known length, with trailing NUL and space padding removed.</summary>
    public static string ReadAscii(ref SequenceReader<byte> r, int length, string what)
    {
        if (r.Remaining < length)
            throw Invalid($"truncated {what}");
        var slice = r.UnreadSequence.Slice(0, length);
        r.Advance(length);
        var text = slice.IsSingleSegment ? Encoding.ASCII.GetString(slice.FirstSpan) : Encoding.ASCII.GetString(slice.ToArray());
        return text.TrimEnd('\0', ' ');
    }

    public static string ReadRest(ref SequenceReader<byte> r, string what) => ReadAscii(ref r, (int)r.Remaining, what);

    public static byte[] ReadBytes(ref SequenceReader<byte> r, int length, string what)
    {
        if (r.Remaining < length)
            throw Invalid($"truncated {what}");
        var bytes = r.UnreadSequence.Slice(0, length).ToArray();
        r.Advance(length);
        return bytes;
    }

    /// <summary>AE titles are 16 bytes with leading and trailing spaces insignificant (PS3.5 6.2).</summary>
    public static string ReadAeTitle(ref SequenceReader<byte> r, string what) =>
        ReadAscii(ref r, 16, what).Trim(' ', '\0');
}
