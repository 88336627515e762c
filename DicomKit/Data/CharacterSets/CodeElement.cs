namespace DicomKit.Data;

/// <summary>
/// One ISO/IEC 2022 graphic character set as DICOM uses it (PS3.3 Tables C.12-3 and C.12-4): the register it
/// is designated to, the escape sequence that designates it, and how its 7-bit code positions map to Unicode.
/// Positions are given without the high bit, so the same element serves GL (G0) and GR (G1) bytes.
/// </summary>
internal abstract class CodeElement
{
    protected CodeElement(string name, bool isG1, byte[] designation, int bytesPerChar)
    {
        Name = name;
        IsG1 = isG1;
        Designation = designation;
        BytesPerChar = bytesPerChar;
    }

    /// <summary>The ISO-IR registration, for messages.</summary>
    public string Name { get; }

    /// <summary>False for a G0 set (bytes 21-7E), true for a G1 set (bytes A1-FE, or A0-FF for a 96-set).</summary>
    public bool IsG1 { get; }

    /// <summary>The complete escape sequence, ESC included, that designates this set to its register.</summary>
    public byte[] Designation { get; }

    public int BytesPerChar { get; }

    /// <summary>
    /// The character at a 7-bit position: one byte 20-7F for single-byte sets, (first &lt;&lt; 8 | second)
    /// with both in 21-7E for double-byte sets. U+FFFD where the set has no character.
    /// </summary>
    public abstract char Decode(int position);

    /// <summary>The 7-bit position of <paramref name="c"/> in this set, or false when the set lacks it.</summary>
    public abstract bool TryEncode(char c, out int position);
}

/// <summary>A 94- or 96-character single-byte set, held as a 128-entry table indexed by the 7-bit position.</summary>
internal sealed class SingleByteCodeElement : CodeElement
{
    private readonly char[] _table;
    private readonly Dictionary<char, byte> _reverse;

    public SingleByteCodeElement(string name, bool isG1, byte[] designation, char[] table)
        : base(name, isG1, designation, 1)
    {
        _table = table;
        _reverse = new Dictionary<char, byte>();
        for (var i = 0; i < table.Length; i++)
        {
            if (table[i] != '\uFFFD')
                _reverse.TryAdd(table[i], (byte)i);
        }
    }

    /// <summary>The 128 characters, U+FFFD where undefined; used to build the no-extension fast path.</summary>
    public ReadOnlySpan<char> Table => _table;

    public override char Decode(int position) => _table[position & 0x7F];

    public override bool TryEncode(char c, out int position)
    {
        var found = _reverse.TryGetValue(c, out var b);
        position = b;
        return found;
    }
}

/// <summary>
/// A 94x94 double-byte set (JIS X 0208, JIS X 0212, KS X 1001, GB 2312). The table is built on first use,
/// so a gateway that never sees Japanese or Korean pays nothing for those tables.
/// </summary>
internal sealed class DoubleByteCodeElement : CodeElement
{
    private const int Size = 94;
    private readonly Lazy<(char[] Forward, Dictionary<char, ushort> Reverse)> _tables;

    // encodeAliases: further Unicode characters that encode to the position of an existing one (vendor mappings
    // of the same glyph, e.g. U+FF5E for the JIS wave dash), so text from Windows encodes without changing decoding.
    public DoubleByteCodeElement(string name, bool isG1, byte[] designation, Func<char[]> buildTable,
        params (char Alias, char Canonical)[] encodeAliases)
        : base(name, isG1, designation, 2)
    {
        _tables = new Lazy<(char[], Dictionary<char, ushort>)>(() => Build(buildTable(), encodeAliases));
    }

    public override char Decode(int position)
    {
        var row = ((position >> 8) & 0x7F) - 0x21;
        var cell = (position & 0x7F) - 0x21;
        if ((uint)row >= Size || (uint)cell >= Size)
            return '\uFFFD';
        return _tables.Value.Forward[(row * Size) + cell];
    }

    public override bool TryEncode(char c, out int position)
    {
        var found = _tables.Value.Reverse.TryGetValue(c, out var p);
        position = p;
        return found;
    }

    private static (char[], Dictionary<char, ushort>) Build(char[] forward, (char Alias, char Canonical)[] aliases)
    {
        var reverse = new Dictionary<char, ushort>(forward.Length);
        for (var i = 0; i < forward.Length; i++)
        {
            var c = forward[i];
            if (c != '\uFFFD')
                reverse.TryAdd(c, (ushort)((((i / Size) + 0x21) << 8) | ((i % Size) + 0x21)));
        }
        foreach (var (alias, canonical) in aliases)
        {
            if (reverse.TryGetValue(canonical, out var p))
                reverse.TryAdd(alias, p);
        }
        return (forward, reverse);
    }

    /// <summary>Cell count of a 94x94 table, row-major from 2121 to 7E7E.</summary>
    public const int TableLength = Size * Size;
}
