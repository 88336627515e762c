using System.Buffers.Binary;
using DicomKit.Data;

namespace DicomKit.IO;

/// <summary>
/// Parses a data set from buffered bytes, synchronously. One body for every transfer syntax: the encoding
/// rules are a parameter, because a UN sequence inside an explicit big-endian file is itself implicit
/// little endian (PS3.5 6.2.2). Every length is checked against what is left before it is trusted.
/// </summary>
internal sealed class DicomDatasetReader(ByteReader reader, DicomReadOptions options, string? sourcePath)
{
    private const uint UndefinedLength = 0xFFFFFFFF;

    /// <summary>The top-level tag at which reading stopped because of <see cref="DicomReadOptions.StopAtTag"/>, if it did.</summary>
    public DicomTag? StoppedAt { get; private set; }

    /// <summary>
    /// Reads elements into <paramref name="dataset"/> until <paramref name="end"/> (or the end of data / an item delimiter when -1).
    /// <paramref name="sequence"/> is the tag of the sequence whose item this is, named when the item is cut short.
    /// </summary>
    public void ReadDataset(DicomDataset dataset, DicomEncodingRules rules, long end, int depth, bool inItem, DicomTag? sequence = null)
    {
        while (true)
        {
            if (end >= 0)
            {
                if (reader.Position == end) return;
                if (reader.Position > end)
                    throw new DicomFormatException($"An element runs past the end of its item (item ends at {end})", reader.Position, sequence);
            }
            if (!reader.TryEnsure(4))
            {
                if (reader.Available == 0 && !inItem) return;
                throw new DicomFormatException(inItem ? "Data ends inside an item that is not terminated" : "Data ends inside an element tag", reader.Position, sequence);
            }

            var start = reader.Position;
            var tag = new DicomTag(reader.ReadUInt16(rules.BigEndian), reader.ReadUInt16(rules.BigEndian));

            if (tag.Group == 0xFFFE)
            {
                var len = ReadUInt32(tag, rules.BigEndian);
                if (tag == DicomTag.ItemDelimitationItem && inItem && end < 0) return;
                if (tag == DicomTag.SequenceDelimitationItem && !inItem && depth == 0)
                    continue; // a stray delimiter at the top level: seen in the wild, harmless
                throw new DicomFormatException($"Unexpected delimiter or item tag (length {len}) in a data set", start, tag);
            }

            if (!inItem && depth == 0 && options.StopAtTag is { } stop && tag >= stop)
            {
                StoppedAt = tag;
                return;
            }

            var (vr, length) = ReadHeader(dataset, tag, rules);
            var item = ReadValue(dataset, tag, vr, length, rules, depth, start);
            if (!dataset.TryAppend(item))
                dataset.AddOrUpdate(item); // out of order or repeated: keep going, the last one wins
        }
    }

    private (DicomVR Vr, uint Length) ReadHeader(DicomDataset dataset, DicomTag tag, DicomEncodingRules rules)
    {
        if (!rules.ExplicitVR)
            return (ImplicitVR(dataset, tag), ReadUInt32(tag, rules.BigEndian));

        var two = reader.Peek(2);
        if (two.Length < 2) throw new DicomFormatException("Data ends inside an element header", reader.Position, tag);
        if (DicomVR.TryParse(two[0], two[1], out var vr))
        {
            // The whole rest of the header must be there before it is skipped over: a skip past the end of a
            // seekable stream would otherwise report the fault beyond the last byte of the file.
            if (!reader.TryEnsure(vr.HasLongHeader ? 8 : 4))
                throw new DicomFormatException("Data ends inside an element header", reader.Position, tag);
            reader.Skip(2);
            if (vr.HasLongHeader)
            {
                reader.Skip(2); // reserved
                return (vr, ReadUInt32(tag, rules.BigEndian));
            }
            return (vr, reader.ReadUInt16(rules.BigEndian));
        }
        if (IsUpper(two[0]) && IsUpper(two[1]))
        {
            if (!reader.TryEnsure(8)) throw new DicomFormatException("Data ends inside an element header", reader.Position, tag);
            // A VR from a future edition: PS3.5 7.1.2 promises such VRs use the long form; keep the bytes as UN.
            reader.Skip(4);
            return (DicomVR.UN, ReadUInt32(tag, rules.BigEndian));
        }
        // Not a VR at all: some writers put implicit VR elements into explicit VR files. Read it as implicit.
        return (ImplicitVR(dataset, tag), ReadUInt32(tag, rules.BigEndian));
    }

    /// <summary>
    /// Elements the standard types "US or SS" because their sign follows Pixel Representation (PS3.3 C.7.5.1,
    /// C.7.6.3.1, C.7.6.16.2, C.11.1.1, C.11.5): DCMTK's list (DcmItem::checkAndUpdateVR), so that both agree.
    /// </summary>
    private static readonly HashSet<DicomTag> SignFollowsPixelRepresentation =
    [
        Tags.PixelPaddingValue, Tags.PixelPaddingRangeLimit, Tags.HistogramFirstBinValue, Tags.HistogramLastBinValue,
        Tags.ZeroVelocityPixelValue, Tags.SmallestImagePixelValue, Tags.LargestImagePixelValue, Tags.SmallestPixelValueInSeries,
        Tags.LargestPixelValueInSeries, Tags.LUTDescriptor, Tags.RealWorldValueLastValueMapped, Tags.RealWorldValueFirstValueMapped,
    ];

    /// <summary>
    /// The VR of an element whose encoding does not carry one: the dictionary's first, except that a "US or SS"
    /// pixel value is SS when the data set read so far has Pixel Representation (0028,0103) = 1 (2's complement).
    /// Read as US, a negative padding value or minimum would be written as US to an explicit VR syntax and read
    /// by every peer as a large positive number.
    /// </summary>
    private static DicomVR ImplicitVR(DicomDataset dataset, DicomTag tag)
    {
        var vr = DicomDictionary.GetDefaultVR(tag);
        if (vr == DicomVR.US && SignFollowsPixelRepresentation.Contains(tag)
            && dataset.GetElement(Tags.PixelRepresentation) is { Length: 2 } representation
            && BinaryPrimitives.ReadUInt16LittleEndian(representation.Value.Memory.Span) == 1)
            return DicomVR.SS;
        return vr;
    }

    private static bool IsUpper(byte b) => b is >= (byte)'A' and <= (byte)'Z';

    private DicomItem ReadValue(DicomDataset parent, DicomTag tag, DicomVR vr, uint length, DicomEncodingRules rules, int depth, long start)
    {
        if (length == UndefinedLength)
        {
            if (tag == WellKnownTags.PixelData && rules.ExplicitVR)
                return ReadFragments(tag, vr, rules, start);
            if (vr == DicomVR.SQ)
                return ReadSequence(parent, tag, DicomVR.SQ, -1, rules, depth);
            if (vr == DicomVR.UN)
                return ReadSequence(parent, tag, DicomVR.UN, -1, DicomEncodingRules.ImplicitLittle, depth); // PS3.5 6.2.2
            if (!rules.ExplicitVR)
                return ReadSequence(parent, tag, DicomVR.SQ, -1, rules, depth); // an unknown implicit element of undefined length is a sequence
            throw new DicomFormatException($"Undefined length is not allowed for VR {vr}", start, tag);
        }

        if (vr == DicomVR.SQ)
        {
            CheckFits(length, tag);
            return ReadSequence(parent, tag, vr, length, rules, depth);
        }

        var value = ReadBytes(tag, length, rules.BigEndian ? vr.UnitSize : 1, IsBulk(vr));
        return new DicomElement(tag, vr, value);
    }

    private DicomSequence ReadSequence(DicomDataset parent, DicomTag tag, DicomVR vr, long length, DicomEncodingRules rules, int depth)
    {
        if (depth + 1 > options.MaxSequenceDepth)
            throw new DicomFormatException($"Sequences are nested deeper than {options.MaxSequenceDepth} levels", reader.Position, tag);

        var sq = new DicomSequence(tag, null, vr) { UndefinedLength = length < 0 };
        var end = length < 0 ? -1 : reader.Position + length;
        var first = true;
        while (true)
        {
            if (end >= 0 && reader.Position >= end)
            {
                if (reader.Position > end) throw new DicomFormatException("An item runs past the end of its sequence", reader.Position, tag);
                return sq;
            }
            var at = reader.Position;
            if (!reader.TryEnsure(8)) throw new DicomFormatException("Data ends inside a sequence", at, tag);
            var itemTag = new DicomTag(reader.ReadUInt16(rules.BigEndian), reader.ReadUInt16(rules.BigEndian));
            var itemLength = reader.ReadUInt32(rules.BigEndian);
            if (itemTag == DicomTag.SequenceDelimitationItem)
            {
                if (end < 0) return sq;
                throw new DicomFormatException("Sequence delimiter inside a sequence of defined length", at, tag);
            }
            if (itemTag != DicomTag.Item)
                throw new DicomFormatException($"Expected an item tag in a sequence, found {itemTag}", at, tag);

            var item = new DicomDataset { ReadWithUndefinedLength = itemLength == UndefinedLength };
            item.InheritCharacterSetFrom(parent);
            if (first)
            {
                sq.ItemsUndefinedLength = itemLength == UndefinedLength;
                first = false;
            }
            if (itemLength == UndefinedLength)
            {
                ReadDataset(item, rules, -1, depth + 1, inItem: true, tag);
            }
            else
            {
                CheckFits(itemLength, tag);
                ReadDataset(item, rules, reader.Position + itemLength, depth + 1, inItem: true, tag);
            }
            sq.Items.Add(item);
        }
    }

    private DicomFragmentSequence ReadFragments(DicomTag tag, DicomVR vr, DicomEncodingRules rules, long start)
    {
        ValueSource? offsetTable = null;
        var fragments = new List<ValueSource>();
        while (true)
        {
            var at = reader.Position;
            if (!reader.TryEnsure(8)) throw new DicomFormatException("Data ends inside encapsulated pixel data", at, tag);
            var itemTag = new DicomTag(reader.ReadUInt16(rules.BigEndian), reader.ReadUInt16(rules.BigEndian));
            var len = reader.ReadUInt32(rules.BigEndian);
            if (itemTag == DicomTag.SequenceDelimitationItem) break;
            if (itemTag != DicomTag.Item)
                throw new DicomFormatException($"Expected a fragment item in encapsulated pixel data, found {itemTag}", at, tag);
            if (len == UndefinedLength)
                throw new DicomFormatException("A pixel data fragment has undefined length", at, tag);
            var value = ReadBytes(tag, len, 1, bulk: true);
            if (offsetTable is null) offsetTable = value;
            else fragments.Add(value);
        }
        if (offsetTable is null)
            throw new DicomFormatException("Encapsulated pixel data has no basic offset table item", start, tag);
        return new DicomFragmentSequence(tag, vr, offsetTable, fragments);
    }

    private static bool IsBulk(DicomVR vr) =>
        vr == DicomVR.OB || vr == DicomVR.OW || vr == DicomVR.OF || vr == DicomVR.OD || vr == DicomVR.OL || vr == DicomVR.OV;

    /// <summary>
    /// Reads or references a value of <paramref name="length"/> bytes, swapping units when the source is big endian.
    /// A large value of a source that cannot be revisited is read past when it is <paramref name="bulk"/> data and the
    /// caller asked for the header only, and otherwise spilled encrypted.
    /// </summary>
    private ValueSource ReadBytes(DicomTag tag, uint length, int swapUnit, bool bulk)
    {
        if (length == 0) return ValueSource.Empty;
        CheckFits(length, tag);
        var at = reader.Position;
        try
        {
            if (length > options.LargeValueThreshold)
            {
                if (sourcePath is not null)
                {
                    reader.Skip(length);
                    return new FileRangeValueSource(sourcePath, at, length, swapUnit);
                }
                if (bulk && options.SkipLargeBulkData)
                {
                    reader.Skip(length);
                    return new SkippedValueSource(length);
                }
                return EncryptedSpillValueSource.Create(SpillDirectory.Prepare(options.SpillDirectory), fs =>
                {
                    if (swapUnit > 1)
                    {
                        using var swapped = new ByteSwapStream(new CopyOutStream(reader, length), swapUnit);
                        swapped.CopyTo(fs, 81920);
                    }
                    else reader.CopyTo(fs, length);
                });
            }
            var bytes = new byte[length];
            reader.ReadExactly(bytes);
            if (swapUnit > 1) ByteSwapStream.Swap(bytes, swapUnit);
            return new MemoryValueSource(bytes);
        }
        catch (EndOfStreamException e)
        {
            throw new DicomFormatException($"Data ends inside a value of {length} bytes", at, tag, e);
        }
    }

    private void CheckFits(uint length, DicomTag tag)
    {
        if (reader.Remaining is { } left && length > left)
            throw new DicomFormatException($"Value length {length} exceeds the {left} bytes left in the file", reader.Position, tag);
    }

    private uint ReadUInt32(DicomTag tag, bool bigEndian)
    {
        if (!reader.TryEnsure(4)) throw new DicomFormatException("Data ends inside an element header", reader.Position, tag);
        return reader.ReadUInt32(bigEndian);
    }

    /// <summary>Reads exactly one element (used for the meta information, which ends where group 0002 ends).</summary>
    public void ReadSingle(DicomDataset dataset, DicomEncodingRules rules)
    {
        var start = reader.Position;
        var tag = new DicomTag(reader.ReadUInt16(rules.BigEndian), reader.ReadUInt16(rules.BigEndian));
        var (vr, length) = ReadHeader(dataset, tag, rules);
        if (length == UndefinedLength) throw new DicomFormatException("Undefined length in the file meta information", start, tag);
        dataset.AddOrUpdate(ReadValue(dataset, tag, vr, length, rules, 0, start));
    }

    /// <summary>Entry point: reads a whole data set with the given rules.</summary>
    public void Read(DicomDataset dataset, DicomEncodingRules rules) => ReadDataset(dataset, rules, -1, 0, inItem: false);

    /// <summary>A stream view of the next <c>count</c> bytes of the reader, for copy-with-swap.</summary>
    private sealed class CopyOutStream(ByteReader source, long count) : Stream
    {
        private readonly long _total = count;
        private long _left = count;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _total;
        public override long Position { get => _total - _left; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int n) => Read(buffer.AsSpan(offset, n));
        public override int Read(Span<byte> buffer)
        {
            var want = (int)Math.Min(buffer.Length, _left);
            if (want == 0) return 0;
            source.ReadExactly(buffer[..want]);
            _left -= want;
            return want;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int n) => throw new NotSupportedException();
    }
}
