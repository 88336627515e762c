using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace DicomKit.Data;

/// <summary>
/// An ordered set of elements (PS3.5 7.1), kept sorted by tag. Values stay raw bytes; the typed accessors
/// decode on demand with the data set's character set, so a data set read and written back is unchanged.
/// </summary>
public sealed class DicomDataset : IEnumerable<DicomItem>
{
    private readonly List<DicomItem> _items = [];
    private DicomCharacterSet _inherited = DicomCharacterSet.Default;
    private DicomCharacterSet? _own;
    private string? _ownUnusable;       // a (0008,0005) value DicomKit cannot use: reported when text is decoded, not on read
    private string? _inheritedUnusable;

    public DicomDataset() { }

    public DicomDataset(IEnumerable<DicomItem> items)
    {
        foreach (var i in items) AddOrUpdate(i);
    }

    public int Count => _items.Count;

    /// <summary>
    /// As an item of a sequence: whether it was read with undefined length (null when built in memory). The writer
    /// keeps it, so a sequence whose items mix both encodings is written back as it came; otherwise
    /// <see cref="DicomSequence.ItemsUndefinedLength"/> decides.
    /// </summary>
    internal bool? ReadWithUndefinedLength { get; set; }

    /// <summary>
    /// The character set that decodes this data set's text: its own (0008,0005) if present, else the one of the
    /// enclosing data set (PS3.5 7.5.3: an item without (0008,0005) inherits).
    /// </summary>
    /// <exception cref="DicomCharacterSetException">The data set (or the one enclosing it) declares a character set DicomKit cannot use.</exception>
    public DicomCharacterSet CharacterSet =>
        _own ?? ((_ownUnusable ?? _inheritedUnusable) is { } bad
            ? throw new DicomCharacterSetException($"Specific Character Set (0008,0005) '{bad}' cannot be used to decode or encode text")
            : _inherited);

    /// <summary>Sets the character set inherited from the enclosing data set (used by readers and when nesting).</summary>
    public void SetInheritedCharacterSet(DicomCharacterSet characterSet)
    {
        _inherited = characterSet;
        _inheritedUnusable = null;
    }

    /// <summary>
    /// Inherits the enclosing data set's character set, including one it cannot use, without failing: reading must
    /// not depend on (0008,0005), only decoding text does.
    /// </summary>
    internal void InheritCharacterSetFrom(DicomDataset parent)
    {
        _inherited = parent._own ?? parent._inherited;
        _inheritedUnusable = parent._own is null ? parent._ownUnusable ?? parent._inheritedUnusable : null;
    }

    public bool Contains(DicomTag tag) => IndexOf(tag) >= 0;

    public DicomItem? this[DicomTag tag]
    {
        get
        {
            var i = IndexOf(tag);
            return i >= 0 ? _items[i] : null;
        }
    }

    public bool TryGetItem(DicomTag tag, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DicomItem? item)
    {
        item = this[tag];
        return item is not null;
    }

    public DicomElement? GetElement(DicomTag tag) => this[tag] as DicomElement;

    public DicomSequence? GetSequence(DicomTag tag) => this[tag] as DicomSequence;

    /// <summary>Adds the item, replacing one with the same tag.</summary>
    public DicomDataset AddOrUpdate(DicomItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var n = _items.Count;
        if (n == 0 || _items[n - 1].Tag < item.Tag)
        {
            _items.Add(item); // the reader's path: elements arrive in order
        }
        else
        {
            var i = IndexOf(item.Tag);
            if (i >= 0) _items[i] = item;
            else _items.Insert(~i, item);
        }
        if (item.Tag.Value == 0x00080005) UpdateOwnCharacterSet(item);
        if (item is DicomSequence sq)
            foreach (var child in sq.Items) child.InheritCharacterSetFrom(this);
        return this;
    }

    /// <summary>
    /// Appends during parsing, when order is guaranteed by the caller's check. Returns false if the tag is not
    /// greater than the last one, so the reader can report out-of-order elements.
    /// </summary>
    internal bool TryAppend(DicomItem item)
    {
        if (_items.Count > 0 && _items[^1].Tag >= item.Tag) return false;
        _items.Add(item);
        if (item.Tag.Value == 0x00080005) UpdateOwnCharacterSet(item);
        return true;
    }

    public bool Remove(DicomTag tag)
    {
        var i = IndexOf(tag);
        if (i < 0) return false;
        _items.RemoveAt(i);
        if (tag.Value == 0x00080005) (_own, _ownUnusable) = (null, null);
        return true;
    }

    public void Clear()
    {
        _items.Clear();
        (_own, _ownUnusable) = (null, null);
    }

    private void UpdateOwnCharacterSet(DicomItem item)
    {
        if (item is not DicomElement e) return;
        var raw = System.Text.Encoding.ASCII.GetString(e.Value.Memory.Span);
        var terms = raw.Split('\\').Select(t => t.Trim(' ', '\0')).ToArray();
        _own = null;
        _ownUnusable = null;
        if (terms.All(t => t.Length == 0)) return;
        if (DicomCharacterSet.TryFromTerms(terms, out var own)) _own = own;
        else _ownUnusable = raw.TrimEnd(' ', '\0');
    }

    private int IndexOf(DicomTag tag)
    {
        var items = CollectionsMarshal.AsSpan(_items);
        int lo = 0, hi = items.Length - 1;
        var key = tag.Value;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var v = items[mid].Tag.Value;
            if (v == key) return mid;
            if (v < key) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }

    /// <summary>Only VRs decoded through (0008,0005) need it: a UID stays readable whatever the character set says.</summary>
    private DicomCharacterSet TextCharacterSet(DicomElement e) => e.VR.IsCharacterSetDependent ? CharacterSet : DicomCharacterSet.Default;

    public IEnumerator<DicomItem> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // ---- text ----

    /// <summary>
    /// The whole value as text with its padding removed (trailing spaces; trailing NUL for UI; leading spaces
    /// too for VRs where they are not significant). Null when absent; empty when present without value.
    /// </summary>
    public string? GetString(DicomTag tag)
    {
        if (this[tag] is not DicomElement e) return null;
        return DicomValueText.Decode(e, TextCharacterSet(e));
    }

    /// <summary>The text values of a multi-valued string element, split at backslashes, each trimmed.</summary>
    public string[] GetStrings(DicomTag tag)
    {
        if (this[tag] is not DicomElement e) return [];
        return DicomValueText.DecodeValues(e, TextCharacterSet(e));
    }

    /// <summary>The first person name of a PN element, decoded with the data set's character set; null when absent or empty.</summary>
    public DicomPersonName? GetPersonName(DicomTag tag)
    {
        var first = GetString(tag, 0);
        return string.IsNullOrEmpty(first) ? null : DicomPersonName.Parse(first);
    }

    public string? GetString(DicomTag tag, int index)
    {
        var values = GetStrings(tag);
        return index < values.Length ? values[index] : null;
    }

    /// <summary>Sets a string element, encoding with this data set's character set and padding to even length.</summary>
    public DicomDataset AddOrUpdate(DicomTag tag, DicomVR vr, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var charset = tag.Value == 0x00080005 || !vr.IsCharacterSetDependent ? DicomCharacterSet.Default : CharacterSet;
        var bytes = DicomValueText.Encode(values, vr, charset);
        return AddOrUpdate(new DicomElement(tag, vr, ValueSource.FromBytes(bytes)));
    }

    // ---- numbers ----

    /// <summary>The value at <paramref name="index"/>: binary VRs are read directly, IS and DS are parsed.</summary>
    public T GetValue<T>(DicomTag tag, int index = 0) where T : unmanaged, INumberBase<T>
    {
        var values = GetValues<T>(tag);
        if (index >= values.Length)
            throw new InvalidOperationException($"{tag} has {values.Length} values; value {index} was asked for.");
        return values[index];
    }

    public bool TryGetValue<T>(DicomTag tag, out T value) where T : unmanaged, INumberBase<T>
    {
        value = default;
        if (this[tag] is not DicomElement) return false;
        try
        {
            var v = GetValues<T>(tag);
            if (v.Length == 0) return false;
            value = v[0];
            return true;
        }
        catch (FormatException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    public T[] GetValues<T>(DicomTag tag) where T : unmanaged, INumberBase<T>
    {
        if (this[tag] is not DicomElement e) return [];
        if (e.VR.IsString)
        {
            return [.. DicomValueText.DecodeValues(e, TextCharacterSet(e))
                .Where(s => s.Length > 0)
                .Select(s => T.Parse(s, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture))];
        }
        var bytes = e.Value.Memory.Span;
        var size = e.VR.UnitSize;
        if (e.VR == DicomVR.OB || e.VR == DicomVR.UN) size = 1;
        var count = bytes.Length / size;
        var result = new T[count];
        for (var i = 0; i < count; i++)
        {
            var s = bytes.Slice(i * size, size);
            result[i] = ConvertUnit<T>(e.VR, s);
        }
        return result;
    }

    private static T ConvertUnit<T>(DicomVR vr, ReadOnlySpan<byte> s) where T : unmanaged, INumberBase<T>
    {
        if (vr == DicomVR.US || vr == DicomVR.OW || vr == DicomVR.AT) return T.CreateTruncating(BitConverter.ToUInt16(s));
        if (vr == DicomVR.SS) return T.CreateTruncating(BitConverter.ToInt16(s));
        if (vr == DicomVR.UL || vr == DicomVR.OL) return T.CreateTruncating(BitConverter.ToUInt32(s));
        if (vr == DicomVR.SL) return T.CreateTruncating(BitConverter.ToInt32(s));
        if (vr == DicomVR.FL || vr == DicomVR.OF) return T.CreateTruncating(BitConverter.ToSingle(s));
        if (vr == DicomVR.FD || vr == DicomVR.OD) return T.CreateTruncating(BitConverter.ToDouble(s));
        if (vr == DicomVR.SV) return T.CreateTruncating(BitConverter.ToInt64(s));
        if (vr == DicomVR.UV || vr == DicomVR.OV) return T.CreateTruncating(BitConverter.ToUInt64(s));
        return T.CreateTruncating(s[0]);
    }

    /// <summary>Sets a binary numeric element (US, SS, UL, SL, FL, FD, SV, UV, OW, OL, OF, OD, OV, OB) or IS/DS as text.</summary>
    public DicomDataset AddOrUpdate<T>(DicomTag tag, DicomVR vr, params T[] values) where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(values);
        if (vr.IsString)
            return AddOrUpdate(tag, vr, [.. values.Select(v => v.ToString(vr == DicomVR.DS ? "G12" : null, CultureInfo.InvariantCulture))]);
        var size = vr == DicomVR.OB || vr == DicomVR.UN ? 1 : vr.UnitSize;
        var bytes = new byte[values.Length * size];
        for (var i = 0; i < values.Length; i++)
        {
            var d = bytes.AsSpan(i * size, size);
            var v = values[i];
            if (vr == DicomVR.US || vr == DicomVR.OW || vr == DicomVR.AT) BitConverter.TryWriteBytes(d, ushort.CreateTruncating(v));
            else if (vr == DicomVR.SS) BitConverter.TryWriteBytes(d, short.CreateTruncating(v));
            else if (vr == DicomVR.UL || vr == DicomVR.OL) BitConverter.TryWriteBytes(d, uint.CreateTruncating(v));
            else if (vr == DicomVR.SL) BitConverter.TryWriteBytes(d, int.CreateTruncating(v));
            else if (vr == DicomVR.FL || vr == DicomVR.OF) BitConverter.TryWriteBytes(d, float.CreateTruncating(v));
            else if (vr == DicomVR.FD || vr == DicomVR.OD) BitConverter.TryWriteBytes(d, double.CreateTruncating(v));
            else if (vr == DicomVR.SV) BitConverter.TryWriteBytes(d, long.CreateTruncating(v));
            else if (vr == DicomVR.UV || vr == DicomVR.OV) BitConverter.TryWriteBytes(d, ulong.CreateTruncating(v));
            else d[0] = byte.CreateTruncating(v);
        }
        var padded = bytes;
        if ((bytes.Length & 1) == 1) { padded = new byte[bytes.Length + 1]; bytes.CopyTo(padded, 0); }
        return AddOrUpdate(new DicomElement(tag, vr, ValueSource.FromBytes(padded)));
    }

    /// <summary>Attribute tags (AT) stored in the element, in order.</summary>
    public DicomTag[] GetTags(DicomTag tag)
    {
        if (this[tag] is not DicomElement e || e.VR != DicomVR.AT) return [];
        var s = e.Value.Memory.Span;
        var r = new DicomTag[s.Length / 4];
        for (var i = 0; i < r.Length; i++)
            r[i] = new DicomTag(BitConverter.ToUInt16(s[(i * 4)..]), BitConverter.ToUInt16(s[(i * 4 + 2)..]));
        return r;
    }

    /// <summary>Deep copy of the structure; value sources are shared (they are immutable).</summary>
    public DicomDataset Clone()
    {
        var copy = new DicomDataset { ReadWithUndefinedLength = ReadWithUndefinedLength };
        copy._inherited = _inherited;
        copy._inheritedUnusable = _inheritedUnusable;
        foreach (var item in _items)
        {
            copy.AddOrUpdate(item switch
            {
                DicomSequence sq => new DicomSequence(sq.Tag, sq.Items.Select(i => i.Clone()), sq.VR) { UndefinedLength = sq.UndefinedLength, ItemsUndefinedLength = sq.ItemsUndefinedLength },
                _ => item,
            });
        }
        return copy;
    }
}
