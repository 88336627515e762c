namespace DicomKit.Data;

/// <summary>Anything that sits in a data set under a tag: a plain element, a sequence or encapsulated pixel data.</summary>
public abstract class DicomItem(DicomTag tag, DicomVR vr)
{
    public DicomTag Tag { get; } = tag;

    /// <summary>The VR as read (explicit syntaxes) or looked up (implicit syntaxes; UN when unknown).</summary>
    public DicomVR VR { get; } = vr;

    public override string ToString() => $"{Tag} {VR}";
}

/// <summary>
/// An element with a value. The value is kept as bytes in the encoding it arrived in (little-endian order,
/// character set of the data set); text is decoded only when asked for, so writing it back is lossless.
/// </summary>
public sealed class DicomElement(DicomTag tag, DicomVR vr, ValueSource value) : DicomItem(tag, vr)
{
    public ValueSource Value { get; } = value;

    public long Length => Value.Length;

    public override string ToString() => $"{Tag} {VR} ({Length} bytes)";
}

/// <summary>A sequence of items (PS3.5 7.5). Remembers whether it was encoded with undefined length so a round trip keeps it.</summary>
public sealed class DicomSequence(DicomTag tag, IEnumerable<DicomDataset>? items = null, DicomVR? vr = null) : DicomItem(tag, vr ?? DicomVR.SQ)
{
    public List<DicomDataset> Items { get; } = items is null ? [] : [.. items];

    /// <summary>Write with undefined length and delimiters (the default, and what most writers emit).</summary>
    public bool UndefinedLength { get; set; } = true;

    /// <summary>Write items with undefined length and item delimiters (taken from the first item when read).</summary>
    public bool ItemsUndefinedLength { get; set; } = true;

    public override string ToString() => $"{Tag} {VR} ({Items.Count} items)";
}

/// <summary>
/// Encapsulated pixel data (PS3.5 A.4): the basic offset table item and the fragments, each a value source
/// passed through untouched. Never decoded here.
/// </summary>
public sealed class DicomFragmentSequence(DicomTag tag, DicomVR vr, ValueSource offsetTable, IEnumerable<ValueSource> fragments) : DicomItem(tag, vr)
{
    /// <summary>The first item: the Basic Offset Table, often empty.</summary>
    public ValueSource OffsetTable { get; } = offsetTable;

    public List<ValueSource> Fragments { get; } = [.. fragments];

    public override string ToString() => $"{Tag} {VR} (encapsulated, {Fragments.Count} fragments)";
}
