using System.Buffers.Binary;
using DicomKit.Data;

namespace DicomKit.IO;

/// <summary>
/// Writes data sets in a given encoding. Values are copied from their sources stream to stream, swapped to big
/// endian on the way when needed; lengths of defined-length sequences and items are computed, never guessed.
/// Group length elements (gggg,0000) are retired (PS3.5 7.2) but some writers still emit them: where the data set
/// has one, its value is recomputed for the encoding being written (as DCMTK does by default), never copied.
/// </summary>
public sealed class DicomDatasetWriter
{
    private const uint UndefinedLength = 0xFFFFFFFF;
    private readonly Stream _out;
    private readonly byte[] _hdr = new byte[12];

    public DicomDatasetWriter(Stream output) => _out = output;

    /// <summary>Writes <paramref name="dataset"/> in <paramref name="syntax"/> (not deflated: the caller wraps the stream for that).</summary>
    public void Write(DicomDataset dataset, DicomTransferSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(syntax);
        WriteDataset(dataset, DicomEncodingRules.Of(syntax), isMeta: false);
    }

    internal void WriteDataset(DicomDataset dataset, DicomEncodingRules rules, bool isMeta)
    {
        foreach (var item in dataset)
        {
            if (item.Tag.IsGroupLength && !isMeta && item.Tag.Group != 0x0000)
                WriteGroupLength(dataset, item.Tag, rules);
            else
                WriteItem(item, rules);
        }
    }

    private void WriteGroupLength(DicomDataset dataset, DicomTag tag, DicomEncodingRules rules)
    {
        var length = checked((uint)GroupContentLength(dataset, tag.Group, rules));
        WriteHeader(tag, DicomVR.UL, 4, rules);
        Span<byte> v = stackalloc byte[4];
        WriteU32(v, length, rules.BigEndian);
        _out.Write(v);
    }

    /// <summary>Encoded length of the elements of one group after its group length element.</summary>
    private static long GroupContentLength(DicomDataset dataset, ushort group, DicomEncodingRules rules)
    {
        long total = 0;
        foreach (var item in dataset)
            if (item.Tag.Group == group && !item.Tag.IsGroupLength) total += ItemLength(item, rules);
        return total;
    }

    private void WriteItem(DicomItem item, DicomEncodingRules rules)
    {
        switch (item)
        {
            case DicomElement e:
                WriteElement(e, rules);
                break;
            case DicomSequence sq:
                WriteSequence(sq, rules);
                break;
            case DicomFragmentSequence f:
                WriteFragments(f, rules);
                break;
        }
    }

    private void WriteElement(DicomElement e, DicomEncodingRules rules)
    {
        var length = e.Length;
        var padded = length + (length & 1);
        if (padded > uint.MaxValue - 1)
            throw new InvalidOperationException($"{e.Tag} is {length} bytes, more than a DICOM element can hold.");
        var vr = HeaderVR(e.VR, padded, rules);
        WriteHeader(e.Tag, vr, (uint)padded, rules);
        var swap = rules.BigEndian ? e.VR.UnitSize : 1;
        if (e.Value.IsInMemory && swap == 1)
        {
            _out.Write(e.Value.Memory.Span);
        }
        else if (swap > 1)
        {
            using var s = new ByteSwapStream(e.Value.OpenRead(), swap);
            s.CopyTo(_out, 81920);
        }
        else
        {
            e.Value.CopyTo(_out);
        }
        if ((length & 1) == 1) _out.WriteByte(e.VR.PaddingByte);
    }

    /// <summary>A value too long for a 16-bit length cannot keep a short-header VR: PS3.5 6.2.2 has it written as UN.</summary>
    private static DicomVR HeaderVR(DicomVR vr, long length, DicomEncodingRules rules) =>
        rules.ExplicitVR && !vr.HasLongHeader && length > 0xFFFF ? DicomVR.UN : vr;

    private void WriteSequence(DicomSequence sq, DicomEncodingRules rules)
    {
        // A UN sequence (unknown attribute of undefined length) keeps its items in implicit little endian.
        var inner = sq.VR == DicomVR.UN && rules.ExplicitVR ? DicomEncodingRules.ImplicitLittle : rules;
        var vr = sq.VR == DicomVR.UN && rules.ExplicitVR ? DicomVR.UN : DicomVR.SQ;
        var undefined = sq.UndefinedLength || sq.VR == DicomVR.UN;
        var length = undefined ? UndefinedLength : checked((uint)SequenceContentLength(sq, inner));
        WriteHeader(sq.Tag, vr, length, rules);
        foreach (var item in sq.Items)
        {
            if (item.ReadWithUndefinedLength ?? sq.ItemsUndefinedLength)
            {
                WriteTagAndLength(DicomTag.Item, UndefinedLength, inner);
                WriteDataset(item, inner, isMeta: false);
                WriteTagAndLength(DicomTag.ItemDelimitationItem, 0, inner);
            }
            else
            {
                WriteTagAndLength(DicomTag.Item, checked((uint)DatasetLength(item, inner)), inner);
                WriteDataset(item, inner, isMeta: false);
            }
        }
        if (undefined) WriteTagAndLength(DicomTag.SequenceDelimitationItem, 0, inner);
    }

    private void WriteFragments(DicomFragmentSequence f, DicomEncodingRules rules)
    {
        if (!rules.ExplicitVR || rules.BigEndian)
            throw new InvalidOperationException("Encapsulated pixel data can only be written in an explicit VR little endian syntax.");
        WriteHeader(f.Tag, DicomVR.OB, UndefinedLength, rules); // PS3.5 A.4: encapsulated pixel data is OB, whatever a sender wrote
        WriteFragment(f.OffsetTable, rules);
        foreach (var frag in f.Fragments) WriteFragment(frag, rules);
        WriteTagAndLength(DicomTag.SequenceDelimitationItem, 0, rules);
    }

    private void WriteFragment(ValueSource v, DicomEncodingRules rules)
    {
        var len = v.Length;
        WriteTagAndLength(DicomTag.Item, checked((uint)(len + (len & 1))), rules);
        if (v.IsInMemory) _out.Write(v.Memory.Span); else v.CopyTo(_out);
        if ((len & 1) == 1) _out.WriteByte(0);
    }

    private void WriteHeader(DicomTag tag, DicomVR vr, uint length, DicomEncodingRules rules)
    {
        var h = _hdr.AsSpan();
        WriteTag(h, tag, rules.BigEndian);
        if (!rules.ExplicitVR)
        {
            WriteU32(h[4..], length, rules.BigEndian);
            _out.Write(h[..8]);
            return;
        }
        var code = vr.Code;
        h[4] = (byte)code[0];
        h[5] = (byte)code[1];
        if (vr.HasLongHeader)
        {
            h[6] = 0;
            h[7] = 0;
            WriteU32(h[8..], length, rules.BigEndian);
            _out.Write(h[..12]);
        }
        else
        {
            if (rules.BigEndian) BinaryPrimitives.WriteUInt16BigEndian(h[6..], (ushort)length);
            else BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)length);
            _out.Write(h[..8]);
        }
    }

    private void WriteTagAndLength(DicomTag tag, uint length, DicomEncodingRules rules)
    {
        var h = _hdr.AsSpan();
        WriteTag(h, tag, rules.BigEndian);
        WriteU32(h[4..], length, rules.BigEndian);
        _out.Write(h[..8]);
    }

    private static void WriteTag(Span<byte> h, DicomTag tag, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(h, tag.Group);
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], tag.Element);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], tag.Element);
        }
    }

    private static void WriteU32(Span<byte> h, uint v, bool bigEndian)
    {
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(h, v);
        else BinaryPrimitives.WriteUInt32LittleEndian(h, v);
    }

    // ---- lengths, for defined-length sequences and the meta group length ----

    internal static long DatasetLength(DicomDataset ds, DicomEncodingRules rules, bool isMeta = false)
    {
        long total = 0;
        foreach (var item in ds)
            total += item.Tag.IsGroupLength && !isMeta && item.Tag.Group != 0x0000 ? HeaderLength(DicomVR.UL, rules) + 4 : ItemLength(item, rules);
        return total;
    }

    private static long ItemLength(DicomItem item, DicomEncodingRules rules)
    {
        switch (item)
        {
            case DicomElement e:
            {
                var padded = e.Length + (e.Length & 1);
                return HeaderLength(HeaderVR(e.VR, padded, rules), rules) + padded;
            }
            case DicomSequence sq:
            {
                var inner = sq.VR == DicomVR.UN && rules.ExplicitVR ? DicomEncodingRules.ImplicitLittle : rules;
                var undefined = sq.UndefinedLength || sq.VR == DicomVR.UN;
                return HeaderLength(DicomVR.SQ, rules) + SequenceContentLength(sq, inner) + (undefined ? 8 : 0);
            }
            case DicomFragmentSequence f:
            {
                long len = 12 + 8 + Even(f.OffsetTable.Length) + 8;
                foreach (var frag in f.Fragments) len += 8 + Even(frag.Length);
                return len;
            }
            default:
                return 0;
        }
    }

    private static long SequenceContentLength(DicomSequence sq, DicomEncodingRules inner)
    {
        long len = 0;
        foreach (var item in sq.Items)
            len += 8 + DatasetLength(item, inner) + ((item.ReadWithUndefinedLength ?? sq.ItemsUndefinedLength) ? 8 : 0);
        return len;
    }

    private static long Even(long n) => n + (n & 1);

    private static int HeaderLength(DicomVR vr, DicomEncodingRules rules) => !rules.ExplicitVR ? 8 : vr.HasLongHeader ? 12 : 8;
}
