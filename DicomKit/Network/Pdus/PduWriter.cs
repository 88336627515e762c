using System.Buffers.Binary;
using System.Text;

namespace DicomKit.Network.Pdus;

/// <summary>
/// Writes big-endian PDU fields into a span whose size was computed up front from the
/// self-describing lengths of each PDU; running past the end is a bug in a length formula,
/// so it throws instead of growing.
/// </summary>
internal ref struct PduWriter(Span<byte> destination)
{
    private readonly Span<byte> _destination = destination;
    private int _position;

    public readonly int Position => _position;

    public void WriteByte(byte value) => _destination[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_destination[_position..], value);
        _position += sizeof(ushort);
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_destination[_position..], value);
        _position += sizeof(uint);
    }

    public void WriteZeros(int count)
    {
        _destination.Slice(_position, count).Clear();
        _position += count;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_destination[_position..]);
        _position += bytes.Length;
    }

    /// <summary>ASCII text exactly as given (UIDs in items are not padded: PS3.8 9.3.2.2.1).</summary>
    public void WriteAscii(string text) => _position += Encoding.ASCII.GetBytes(text, _destination[_position..]);

    /// <summary>An AE title field: 16 bytes, space padded (PS3.8 Table 9-11).</summary>
    public void WriteAeTitle(string aeTitle)
    {
        var field = _destination.Slice(_position, 16);
        field.Fill((byte)' ');
        Encoding.ASCII.GetBytes(aeTitle.AsSpan(0, Math.Min(16, aeTitle.Length)), field);
        _position += 16;
    }

    /// <summary>Item header: type, reserved, 16-bit length (PS3.8 9.3.2.x).</summary>
    public void WriteItemHeader(byte type, int length)
    {
        WriteByte(type);
        WriteByte(0);
        WriteUInt16(checked((ushort)length));
    }

    /// <summary>PDU header: type, reserved, 32-bit length (PS3.8 9.3.1).</summary>
    public void WritePduHeader(PduType type, int length)
    {
        WriteByte((byte)type);
        WriteByte(0);
        WriteUInt32(checked((uint)length));
    }
}
