namespace DicomKit.Data;

/// <summary>
/// A value representation (PS3.5 6.2). A two-byte struct compared by its code, so that the VR read
/// from an explicit VR header can be looked up without allocating a string.
/// </summary>
public readonly struct DicomVR : IEquatable<DicomVR>
{
    private readonly ushort _code; // first character in the high byte, as on the wire

    private DicomVR(char a, char b) => _code = (ushort)((a << 8) | b);

    /// <summary>The two-character code, e.g. "PN".</summary>
    public string Code => _code == 0 ? "??" : new string([(char)(_code >> 8), (char)(_code & 0xFF)]);

    /// <summary>Explicit VR headers for these VRs use two reserved bytes and a 32-bit length (PS3.5 Table 7.1-1).</summary>
    public bool HasLongHeader => Info.LongHeader;

    /// <summary>Character-string VRs; their values are text, split by backslash unless single-valued by definition.</summary>
    public bool IsString => Info.Kind is VRKind.Text;

    /// <summary>VRs whose bytes are decoded through Specific Character Set (0008,0005) (PS3.5 6.1.2.3).</summary>
    public bool IsCharacterSetDependent => Info.CharacterSetDependent;

    /// <summary>LT, ST, UT and UR never carry more than one value: a backslash in them is text.</summary>
    public bool IsSingleValuedString => this == LT || this == ST || this == UT || this == UR;

    /// <summary>Byte used to pad a value to even length: NUL for UI and OB, space for other strings (PS3.5 6.2).</summary>
    public byte PaddingByte => this == UI || this == OB || this == UN ? (byte)0x00 : IsString ? (byte)0x20 : (byte)0x00;

    /// <summary>Size of one binary unit, the span that is byte-swapped between little and big endian; 1 when nothing swaps.</summary>
    public int UnitSize => Info.UnitSize;

    /// <summary>True when the value is a binary number or numbers of <see cref="UnitSize"/> bytes each.</summary>
    public bool IsBinary => Info.Kind is VRKind.Binary;

    public bool Equals(DicomVR other) => _code == other._code;
    public override bool Equals(object? obj) => obj is DicomVR v && Equals(v);
    public override int GetHashCode() => _code;
    public static bool operator ==(DicomVR a, DicomVR b) => a._code == b._code;
    public static bool operator !=(DicomVR a, DicomVR b) => a._code != b._code;
    public override string ToString() => Code;

    /// <summary>True when the two bytes name one of the 34 VRs of the current standard.</summary>
    public static bool TryParse(byte first, byte second, out DicomVR vr)
    {
        vr = new DicomVR((char)first, (char)second);
        return Table.ContainsKey(vr._code);
    }

    public static bool TryParse(ReadOnlySpan<char> code, out DicomVR vr)
    {
        vr = default;
        return code.Length == 2 && code[0] < 128 && code[1] < 128 && TryParse((byte)code[0], (byte)code[1], out vr);
    }

    public static DicomVR Parse(string code) =>
        TryParse(code, out var vr) ? vr : throw new FormatException($"'{code}' is not a DICOM value representation");

    public static readonly DicomVR AE = new('A', 'E');
    public static readonly DicomVR AS = new('A', 'S');
    public static readonly DicomVR AT = new('A', 'T');
    public static readonly DicomVR CS = new('C', 'S');
    public static readonly DicomVR DA = new('D', 'A');
    public static readonly DicomVR DS = new('D', 'S');
    public static readonly DicomVR DT = new('D', 'T');
    public static readonly DicomVR FD = new('F', 'D');
    public static readonly DicomVR FL = new('F', 'L');
    public static readonly DicomVR IS = new('I', 'S');
    public static readonly DicomVR LO = new('L', 'O');
    public static readonly DicomVR LT = new('L', 'T');
    public static readonly DicomVR OB = new('O', 'B');
    public static readonly DicomVR OD = new('O', 'D');
    public static readonly DicomVR OF = new('O', 'F');
    public static readonly DicomVR OL = new('O', 'L');
    public static readonly DicomVR OV = new('O', 'V');
    public static readonly DicomVR OW = new('O', 'W');
    public static readonly DicomVR PN = new('P', 'N');
    public static readonly DicomVR SH = new('S', 'H');
    public static readonly DicomVR SL = new('S', 'L');
    public static readonly DicomVR SQ = new('S', 'Q');
    public static readonly DicomVR SS = new('S', 'S');
    public static readonly DicomVR ST = new('S', 'T');
    public static readonly DicomVR SV = new('S', 'V');
    public static readonly DicomVR TM = new('T', 'M');
    public static readonly DicomVR UC = new('U', 'C');
    public static readonly DicomVR UI = new('U', 'I');
    public static readonly DicomVR UL = new('U', 'L');
    public static readonly DicomVR UN = new('U', 'N');
    public static readonly DicomVR UR = new('U', 'R');
    public static readonly DicomVR US = new('U', 'S');
    public static readonly DicomVR UT = new('U', 'T');
    public static readonly DicomVR UV = new('U', 'V');

    /// <summary>Every VR of the current standard, in alphabetical order.</summary>
    public static IReadOnlyList<DicomVR> All { get; } =
        [AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV];

    private enum VRKind : byte { Text, Binary, Bytes, Sequence }

    private readonly record struct VRInfo(VRKind Kind, bool LongHeader, int UnitSize, bool CharacterSetDependent);

    private VRInfo Info => Table.TryGetValue(_code, out var i) ? i : new VRInfo(VRKind.Bytes, true, 1, false);

    private static readonly Dictionary<ushort, VRInfo> Table = BuildTable();

    private static Dictionary<ushort, VRInfo> BuildTable()
    {
        static ushort C(string s) => (ushort)((s[0] << 8) | s[1]);
        var t = new Dictionary<ushort, VRInfo>();
        foreach (var s in new[] { "AE", "AS", "CS", "DA", "DS", "DT", "IS", "TM", "UI" })
            t[C(s)] = new VRInfo(VRKind.Text, false, 1, false);
        foreach (var s in new[] { "LO", "LT", "PN", "SH", "ST" })
            t[C(s)] = new VRInfo(VRKind.Text, false, 1, true);
        t[C("UC")] = new VRInfo(VRKind.Text, true, 1, true);
        t[C("UT")] = new VRInfo(VRKind.Text, true, 1, true);
        t[C("UR")] = new VRInfo(VRKind.Text, true, 1, false);
        t[C("AT")] = new VRInfo(VRKind.Binary, false, 2, false);
        t[C("US")] = new VRInfo(VRKind.Binary, false, 2, false);
        t[C("SS")] = new VRInfo(VRKind.Binary, false, 2, false);
        t[C("UL")] = new VRInfo(VRKind.Binary, false, 4, false);
        t[C("SL")] = new VRInfo(VRKind.Binary, false, 4, false);
        t[C("FL")] = new VRInfo(VRKind.Binary, false, 4, false);
        t[C("FD")] = new VRInfo(VRKind.Binary, false, 8, false);
        t[C("OW")] = new VRInfo(VRKind.Binary, true, 2, false);
        t[C("OL")] = new VRInfo(VRKind.Binary, true, 4, false);
        t[C("OF")] = new VRInfo(VRKind.Binary, true, 4, false);
        t[C("OD")] = new VRInfo(VRKind.Binary, true, 8, false);
        t[C("OV")] = new VRInfo(VRKind.Binary, true, 8, false);
        t[C("SV")] = new VRInfo(VRKind.Binary, true, 8, false);
        t[C("UV")] = new VRInfo(VRKind.Binary, true, 8, false);
        t[C("OB")] = new VRInfo(VRKind.Bytes, true, 1, false);
        t[C("UN")] = new VRInfo(VRKind.Bytes, true, 1, false);
        t[C("SQ")] = new VRInfo(VRKind.Sequence, true, 1, false);
        return t;
    }
}
