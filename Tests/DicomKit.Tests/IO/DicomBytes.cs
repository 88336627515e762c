using System.Buffers.Binary;
using System.Text;

namespace DicomKit.Tests.IO;

/// <summary>
/// Writes DICOM bytes by hand, independently of DicomKit's writer, so that tests can build exactly the encoding
/// they are about (odd lengths, undefined lengths, UN sequences, wrong lengths) and files DCMTK cannot make.
/// </summary>
internal sealed class DicomBytes(bool explicitVR = true, bool bigEndian = false)
{
    public const uint Undefined = 0xFFFFFFFF;
    private static readonly HashSet<string> LongHeader = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"];

    private readonly MemoryStream _ms = new();

    public bool ExplicitVR { get; } = explicitVR;
    public bool BigEndian { get; } = bigEndian;

    public long Length => _ms.Length;

    public byte[] ToArray() => _ms.ToArray();

    public DicomBytes Tag(ushort group, ushort element)
    {
        U16(group);
        U16(element);
        return this;
    }

    /// <summary>An element header; the value follows with <see cref="Raw"/> or the typed helpers.</summary>
    public DicomBytes Header(ushort group, ushort element, string vr, uint length)
    {
        Tag(group, element);
        if (!ExplicitVR)
        {
            U32(length);
            return this;
        }
        _ms.Write(Encoding.ASCII.GetBytes(vr));
        if (LongHeader.Contains(vr))
        {
            U16(0);
            U32(length);
        }
        else U16(checked((ushort)length));
        return this;
    }

    public DicomBytes Text(ushort group, ushort element, string vr, string value, bool pad = true)
    {
        var bytes = Encoding.Latin1.GetBytes(value);
        if (pad && bytes.Length % 2 == 1) bytes = [.. bytes, vr == "UI" ? (byte)0 : (byte)' '];
        Header(group, element, vr, (uint)bytes.Length);
        return Raw(bytes);
    }

    /// <summary>A binary element whose units are written in the stream's byte order.</summary>
    public DicomBytes Binary(ushort group, ushort element, string vr, int unit, byte[] littleEndianValue)
    {
        Header(group, element, vr, (uint)littleEndianValue.Length);
        var v = (byte[])littleEndianValue.Clone();
        if (BigEndian && unit > 1)
            for (var i = 0; i + unit <= v.Length; i += unit) Array.Reverse(v, i, unit);
        return Raw(v);
    }

    public DicomBytes Item(uint length = Undefined) { Tag(0xFFFE, 0xE000); return U32(length); }
    public DicomBytes ItemEnd() { Tag(0xFFFE, 0xE00D); return U32(0); }
    public DicomBytes SequenceEnd() { Tag(0xFFFE, 0xE0DD); return U32(0); }

    public DicomBytes Raw(ReadOnlySpan<byte> bytes)
    {
        _ms.Write(bytes);
        return this;
    }

    public DicomBytes U16(ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, v); else BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        return Raw(b);
    }

    public DicomBytes U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        if (BigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return Raw(b);
    }

    /// <summary>Preamble, "DICM" and a minimal meta header (explicit VR little endian, with group length) before <paramref name="dataset"/>.</summary>
    public static byte[] Part10(string transferSyntaxUid, byte[] dataset, bool preamble = true,
        string sopClass = "1.2.840.10008.5.1.4.1.1.7", string sopInstance = "1.2.826.0.1.3680043.10.1347.99.1")
    {
        var meta = new DicomBytes();
        meta.Header(0x0002, 0x0001, "OB", 2).Raw([0, 1]);
        meta.Text(0x0002, 0x0002, "UI", sopClass);
        meta.Text(0x0002, 0x0003, "UI", sopInstance);
        meta.Text(0x0002, 0x0010, "UI", transferSyntaxUid);
        meta.Text(0x0002, 0x0012, "UI", "1.2.826.0.1.3680043.10.1347.0");
        var metaBytes = meta.ToArray();
        var all = new DicomBytes();
        if (preamble) all.Raw(new byte[128]).Raw("DICM"u8);
        all.Header(0x0002, 0x0000, "UL", 4).U32((uint)metaBytes.Length);
        all.Raw(metaBytes).Raw(dataset);
        return all.ToArray();
    }

    public static byte[] LE(params object[] values)
    {
        var ms = new MemoryStream();
        Span<byte> b = stackalloc byte[8];
        foreach (var v in values)
        {
            int n;
            switch (v)
            {
                case ushort x: BinaryPrimitives.WriteUInt16LittleEndian(b, x); n = 2; break;
                case short x: BinaryPrimitives.WriteInt16LittleEndian(b, x); n = 2; break;
                case uint x: BinaryPrimitives.WriteUInt32LittleEndian(b, x); n = 4; break;
                case int x: BinaryPrimitives.WriteInt32LittleEndian(b, x); n = 4; break;
                case float x: BinaryPrimitives.WriteSingleLittleEndian(b, x); n = 4; break;
                case double x: BinaryPrimitives.WriteDoubleLittleEndian(b, x); n = 8; break;
                case long x: BinaryPrimitives.WriteInt64LittleEndian(b, x); n = 8; break;
                case ulong x: BinaryPrimitives.WriteUInt64LittleEndian(b, x); n = 8; break;
                case byte x: b[0] = x; n = 1; break;
                default: throw new ArgumentException($"unsupported {v.GetType()}");
            }
            ms.Write(b[..n]);
        }
        return ms.ToArray();
    }
}
