using System.Globalization;

namespace DicomKit.Data;

/// <summary>
/// A data element tag (group, element). A value type so that tags never allocate on the wire path;
/// ordering is the numeric order PS3.5 7.1 requires for elements in a data set.
/// </summary>
public readonly record struct DicomTag(ushort Group, ushort Element) : IComparable<DicomTag>
{
    /// <summary>The tag as one 32-bit number, group in the high half: the sort key of a data set.</summary>
    public uint Value => ((uint)Group << 16) | Element;

    /// <summary>Odd groups other than 0001, 0003, 0005, 0007 and FFFF hold private elements (PS3.5 7.8).</summary>
    public bool IsPrivate => (Group & 1) == 1 && Group > 0x0007 && Group != 0xFFFF;

    /// <summary>(gggg,0010-00FF) in a private group reserves a block of elements for a creator (PS3.5 7.8.1).</summary>
    public bool IsPrivateCreator => IsPrivate && Element >= 0x0010 && Element <= 0x00FF;

    /// <summary>Group length elements (gggg,0000) are retired except in command sets and the file meta group.</summary>
    public bool IsGroupLength => Element == 0x0000;

    /// <summary>For a private data element (gggg,xxyy) with xx in 10-FF, the creator element (gggg,00xx) that reserves it.</summary>
    public DicomTag PrivateCreatorTag => IsPrivate && Element > 0x00FF ? new DicomTag(Group, (ushort)(Element >> 8)) : this;

    public static DicomTag FromValue(uint value) => new((ushort)(value >> 16), (ushort)value);

    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    public static bool operator <(DicomTag a, DicomTag b) => a.Value < b.Value;
    public static bool operator >(DicomTag a, DicomTag b) => a.Value > b.Value;
    public static bool operator <=(DicomTag a, DicomTag b) => a.Value <= b.Value;
    public static bool operator >=(DicomTag a, DicomTag b) => a.Value >= b.Value;

    /// <summary>The conventional "(gggg,eeee)" form, upper-case hex, as dcmdump prints it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Group:X4},{Element:X4})");

    /// <summary>Parses "(gggg,eeee)", "gggg,eeee" or "ggggeeee".</summary>
    public static DicomTag Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().TrimStart('(').TrimEnd(')').Replace(",", "", StringComparison.Ordinal);
        if (t.Length != 8 || !uint.TryParse(t, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v))
            throw new FormatException($"'{text}' is not a DICOM tag");
        return FromValue(v);
    }

    // Item delimitation tags of PS3.5 7.5: they carry no VR even in explicit VR syntaxes.
    public static readonly DicomTag Item = new(0xFFFE, 0xE000);
    public static readonly DicomTag ItemDelimitationItem = new(0xFFFE, 0xE00D);
    public static readonly DicomTag SequenceDelimitationItem = new(0xFFFE, 0xE0DD);
}
