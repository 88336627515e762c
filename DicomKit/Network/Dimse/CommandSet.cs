using System.Buffers.Binary;
using System.Text;
using DicomKit.Data;

namespace DicomKit.Network.Dimse;

/// <summary>
/// A DIMSE command set: group 0000 elements, always Implicit VR Little Endian, Command Group Length first
/// (PS3.7 6.3.1, E.1). Deliberately its own small codec rather than the general data set, so the wire path
/// never depends on the dictionary or the data layer, and a command is always a few hundred bytes at most.
/// </summary>
internal sealed class CommandSet
{
    /// <summary>A command set larger than this is not a command set; the association is aborted.</summary>
    public const int MaxEncodedLength = 64 * 1024;

    private const int ElementHeaderLength = sizeof(ushort) /* group */ + sizeof(ushort) /* element */ + sizeof(uint) /* length */;

    private readonly SortedDictionary<uint, byte[]> _elements = [];

    public IEnumerable<DicomTag> Tags => _elements.Keys.Select(DicomTag.FromValue);

    public bool Contains(DicomTag tag) => _elements.ContainsKey(tag.Value);

    public CommandSet Set(DicomTag tag, ushort value)
    {
        var bytes = new byte[sizeof(ushort)];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        _elements[tag.Value] = bytes;
        return this;
    }

    /// <summary>Sets a text value, padded to even length: NUL for UIDs (tags ending in UID), space otherwise (PS3.5 6.2).</summary>
    public CommandSet Set(DicomTag tag, string value, bool isUid)
    {
        var length = value.Length + (value.Length & 1);
        var bytes = new byte[length];
        Encoding.ASCII.GetBytes(value, bytes);
        if ((value.Length & 1) == 1)
            bytes[^1] = isUid ? (byte)0 : (byte)' ';
        _elements[tag.Value] = bytes;
        return this;
    }

    public ushort? GetUInt16(DicomTag tag) =>
        _elements.TryGetValue(tag.Value, out var v) && v.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(v) : null;

    public string? GetString(DicomTag tag) =>
        _elements.TryGetValue(tag.Value, out var v) ? Encoding.ASCII.GetString(v).TrimEnd('\0', ' ').TrimStart(' ') : null;

    public ushort RequireUInt16(DicomTag tag) =>
        GetUInt16(tag) ?? throw new DimseFormatException($"command lacks {tag}");

    public string RequireString(DicomTag tag) =>
        GetString(tag) ?? throw new DimseFormatException($"command lacks {tag}");

    public CommandField Field => (CommandField)RequireUInt16(CommandTags.CommandField);

    public bool HasDataSet => GetUInt16(CommandTags.CommandDataSetType) is { } t && t != CommandTags.NoDataSet;

    private int GroupLength => _elements.Where(e => e.Key != CommandTags.CommandGroupLength.Value).Sum(e => ElementHeaderLength + e.Value.Length);

    public int EncodedLength => ElementHeaderLength + sizeof(uint) /* group length value */ + GroupLength;

    /// <summary>Encodes into <paramref name="destination"/>, which must be <see cref="EncodedLength"/> bytes.</summary>
    public void Write(Span<byte> destination)
    {
        var p = 0;
        WriteHeader(destination, ref p, CommandTags.CommandGroupLength, sizeof(uint));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[p..], (uint)GroupLength);
        p += sizeof(uint);
        foreach (var (tag, value) in _elements)
        {
            if (tag == CommandTags.CommandGroupLength.Value)
                continue;
            WriteHeader(destination, ref p, DicomTag.FromValue(tag), value.Length);
            value.CopyTo(destination[p..]);
            p += value.Length;
        }
    }

    public byte[] ToArray()
    {
        var bytes = new byte[EncodedLength];
        Write(bytes);
        return bytes;
    }

    private static void WriteHeader(Span<byte> d, ref int p, DicomTag tag, int length)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(d[p..], tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(d[(p + 2)..], tag.Element);
        BinaryPrimitives.WriteUInt32LittleEndian(d[(p + 4)..], (uint)length);
        p += ElementHeaderLength;
    }

    /// <summary>Decodes a complete command set. Elements outside group 0000 or lengths past the end are format errors.</summary>
    /// <exception cref="DimseFormatException">The bytes are not a command set.</exception>
    public static CommandSet Parse(ReadOnlySpan<byte> bytes)
    {
        var set = new CommandSet();
        var p = 0;
        while (p < bytes.Length)
        {
            if (bytes.Length - p < ElementHeaderLength)
                throw new DimseFormatException("truncated command element header");
            var group = BinaryPrimitives.ReadUInt16LittleEndian(bytes[p..]);
            var element = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(p + 2)..]);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(p + 4)..]);
            p += ElementHeaderLength;
            if (group != 0x0000)
                throw new DimseFormatException($"element ({group:X4},{element:X4}) is not a command element");
            if (length > (uint)(bytes.Length - p))
                throw new DimseFormatException($"command element (0000,{element:X4}) declares {length} bytes past the end of the command");
            set._elements[element] = bytes.Slice(p, (int)length).ToArray();
            p += (int)length;
        }
        if (!set.Contains(CommandTags.CommandField))
            throw new DimseFormatException("command set lacks Command Field (0000,0100)");
        return set;
    }
}

/// <summary>A command set that cannot be decoded: a protocol error on the association that carried it.</summary>
internal sealed class DimseFormatException(string message) : Exception(message);
