using System.Buffers.Binary;
using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// A sequence whose first item had defined length and second undefined length (both are legal, PS3.5 7.5) used to be
/// written back with the first item's encoding for all items: same elements, different bytes. Each item now keeps its own.
/// </summary>
public class MixedItemLengthsAreKept
{
    [Fact]
    public void A_sequence_mixing_defined_and_undefined_length_items_is_written_back_byte_for_byte()
    {
        // (0008,1115) SQ undefined length { item defined length { (0008,1150) UI "1.2" }, item undefined { (0008,1150) UI "1.3" } }
        var ds = new List<byte>();
        void Tag(ushort g, ushort e) { ds.AddRange(U16(g)); ds.AddRange(U16(e)); }
        Tag(0x0008, 0x1115); ds.AddRange("SQ"u8.ToArray()); ds.AddRange(new byte[2]); ds.AddRange(U32(0xFFFFFFFF));
        Tag(0xFFFE, 0xE000); ds.AddRange(U32(12));
        Tag(0x0008, 0x1150); ds.AddRange("UI"u8.ToArray()); ds.AddRange(U16(4)); ds.AddRange("1.2\0"u8.ToArray());
        Tag(0xFFFE, 0xE000); ds.AddRange(U32(0xFFFFFFFF));
        Tag(0x0008, 0x1150); ds.AddRange("UI"u8.ToArray()); ds.AddRange(U16(4)); ds.AddRange("1.3\0"u8.ToArray());
        Tag(0xFFFE, 0xE00D); ds.AddRange(U32(0));
        Tag(0xFFFE, 0xE0DD); ds.AddRange(U32(0));
        var source = ds.ToArray();

        var file = DicomFile.Open(new MemoryStream([.. Preamble(), .. source]));
        using var written = new MemoryStream();
        file.Save(written);
        var back = DicomFile.Open(new MemoryStream(written.ToArray()));

        written.ToArray()[(int)back.DatasetOffset..].Should().Equal(source);
    }

    private static byte[] Preamble()
    {
        using var ms = new MemoryStream();
        DicomFile.WritePreambleAndMeta(ms, "1.2.840.10008.5.1.4.1.1.7", "1.2.3", DicomTransferSyntax.ExplicitVRLittleEndian);
        return ms.ToArray();
    }

    private static byte[] U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); return b; }
    private static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
}
