using System.Buffers.Binary;
using System.Text;

namespace DicomKit.Data;

/// <summary>
/// The graphic sets of PS3.3 Tables C.12-2 to C.12-4 with their ISO 2022 escape sequences. The single-byte
/// tables and the KS X 1001 and GB 2312 tables come from .NET's code pages; JIS X 0208 comes from EUC-JP with
/// six positions corrected to the JIS mapping; JIS X 0212, which .NET lacks, from an embedded table.
/// </summary>
internal static class CodeElements
{
    private const byte Esc = 0x1B;

    /// <summary>ISO-IR 6, ESC ( B.</summary>
    public static readonly SingleByteCodeElement Ascii = new("ISO-IR 6", false, [Esc, 0x28, 0x42], AsciiTable());

    /// <summary>
    /// ISO-IR 14, JIS X 0201 Romaji, ESC ( J. Decoded as ASCII although 5C is a yen sign and 7E an overline
    /// in JIS X 0201: 5C is also the value delimiter of every multi-valued string VR, and DCMTK, pydicom and
    /// Japanese modalities all treat it as a backslash.
    /// </summary>
    public static readonly SingleByteCodeElement Romaji = new("ISO-IR 14", false, [Esc, 0x28, 0x4A], AsciiTable());

    /// <summary>ISO-IR 13, JIS X 0201 half-width katakana in G1, ESC ) I.</summary>
    public static readonly SingleByteCodeElement Katakana = new("ISO-IR 13", true, [Esc, 0x29, 0x49], KatakanaTable());

    /// <summary>Katakana designated to G0 (ESC ( I); not used by DICOM, understood when decoding only.</summary>
    private static readonly SingleByteCodeElement KatakanaG0 = new("ISO-IR 13 (G0)", false, [Esc, 0x28, 0x49], KatakanaTable());

    public static readonly SingleByteCodeElement Latin1 = Upper96("ISO-IR 100", 0x41, 28591);
    public static readonly SingleByteCodeElement Latin2 = Upper96("ISO-IR 101", 0x42, 28592);
    public static readonly SingleByteCodeElement Latin3 = Upper96("ISO-IR 109", 0x43, 28593);
    public static readonly SingleByteCodeElement Latin4 = Upper96("ISO-IR 110", 0x44, 28594);
    public static readonly SingleByteCodeElement Cyrillic = Upper96("ISO-IR 144", 0x4C, 28595);
    public static readonly SingleByteCodeElement Arabic = Upper96("ISO-IR 127", 0x47, 28596);
    public static readonly SingleByteCodeElement Greek = Upper96("ISO-IR 126", 0x46, 28597);
    public static readonly SingleByteCodeElement Hebrew = Upper96("ISO-IR 138", 0x48, 28598);
    public static readonly SingleByteCodeElement Latin5 = Upper96("ISO-IR 148", 0x4D, 28599);

    /// <summary>TIS 620-2533 from Windows-874, whose extra characters in 80-9F are outside the 96-set read here.</summary>
    public static readonly SingleByteCodeElement Thai = Upper96("ISO-IR 166", 0x54, 874);

    /// <summary>JIS X 0208, ESC $ B, in G0 (ISO 2022 IR 87).</summary>
    public static readonly DoubleByteCodeElement JisX0208 = new("ISO-IR 87", false, [Esc, 0x24, 0x42], JisX0208Table,
        ('\uFF5E', '\u301C'), ('\u2225', '\u2016'), ('\uFF0D', '\u2212'), ('\uFFE0', '\u00A2'), ('\uFFE1', '\u00A3'), ('\uFFE2', '\u00AC'));

    /// <summary>JIS C 6226-1978, ESC $ @: old Japanese systems still send it; decoded with the JIS X 0208 table.</summary>
    private static readonly DoubleByteCodeElement JisC6226 = new("ISO-IR 42", false, [Esc, 0x24, 0x40], JisX0208Table);

    /// <summary>JIS X 0212, ESC $ ( D, in G0 (ISO 2022 IR 159).</summary>
    public static readonly DoubleByteCodeElement JisX0212 = new("ISO-IR 159", false, [Esc, 0x24, 0x28, 0x44], JisX0212Table);

    /// <summary>KS X 1001, ESC $ ) C, in G1 (ISO 2022 IR 149).</summary>
    public static readonly DoubleByteCodeElement KsX1001 = new("ISO-IR 149", true, [Esc, 0x24, 0x29, 0x43],
        () => GrTable(51949, static (_, c) => c));

    /// <summary>GB 2312, ESC $ ) A, in G1 (ISO 2022 IR 58).</summary>
    public static readonly DoubleByteCodeElement Gb2312 = new("ISO-IR 58", true, [Esc, 0x24, 0x29, 0x41],
        () => GrTable(20936, static (position, c) => position == 0x212C ? '\u2016' : c));

    /// <summary>Every set a decoder recognises by its escape sequence, whatever (0008,0005) lists.</summary>
    public static readonly CodeElement[] All =
    [
        Ascii, Romaji, Katakana, KatakanaG0, Latin1, Latin2, Latin3, Latin4, Cyrillic, Arabic, Greek, Hebrew, Latin5, Thai,
        JisX0208, JisC6226, JisX0212, KsX1001, Gb2312,
    ];

    /// <summary>The set whose designation starts <paramref name="bytes"/> (which begins with ESC), if any.</summary>
    public static CodeElement? MatchDesignation(ReadOnlySpan<byte> bytes)
    {
        foreach (var element in All)
        {
            if (bytes.StartsWith(element.Designation))
                return element;
        }
        return null;
    }

    public static Encoding GetEncoding(int codePage, bool throwOnInvalid) => CodePages.Get(codePage, throwOnInvalid);

    /// <summary>A class of its own so that its static constructor runs before any table is read.</summary>
    private static class CodePages
    {
        static CodePages()
        {
            // In-box since .NET Core 3.0 but not registered by default; registering twice is harmless.
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        }

        public static Encoding Get(int codePage, bool throwOnInvalid) =>
            Encoding.GetEncoding(
                codePage,
                throwOnInvalid ? EncoderFallback.ExceptionFallback : EncoderFallback.ReplacementFallback,
                throwOnInvalid ? DecoderFallback.ExceptionFallback : new DecoderReplacementFallback("\uFFFD"));
    }

    private static char[] AsciiTable()
    {
        var table = new char[128];
        for (var i = 0; i < table.Length; i++)
            table[i] = i >= 0x20 ? (char)i : '\uFFFD';
        return table;
    }

    private static char[] KatakanaTable()
    {
        var table = new char[128];
        for (var i = 0; i < table.Length; i++)
            table[i] = i is >= 0x21 and <= 0x5F ? (char)(0xFF61 + (i - 0x21)) : '\uFFFD';
        return table;
    }

    /// <summary>A 96-set in G1 read from bytes A0-FF of an ISO 8859 (or TIS 620) code page.</summary>
    private static SingleByteCodeElement Upper96(string name, byte final, int codePage)
    {
        var encoding = GetEncoding(codePage, throwOnInvalid: false);
        var table = new char[128];
        Span<char> one = stackalloc char[2];
        for (var i = 0; i < table.Length; i++)
        {
            if (i < 0x20)
            {
                table[i] = '\uFFFD';
                continue;
            }
            ReadOnlySpan<byte> b = [(byte)(i | 0x80)];
            var n = encoding.GetChars(b, one);
            table[i] = n == 1 ? one[0] : '\uFFFD';
        }
        return new SingleByteCodeElement(name, true, [Esc, 0x2D, final], table);
    }

    /// <summary>Reads a 94x94 set through the EUC form of a code page, where both bytes have the high bit set.</summary>
    private static char[] GrTable(int codePage, Func<int, char, char> correct, int lastRow = 0x7E)
    {
        var encoding = GetEncoding(codePage, throwOnInvalid: false);
        var table = new char[DoubleByteCodeElement.TableLength];
        Span<char> chars = stackalloc char[4];
        var i = 0;
        for (var row = 0x21; row <= 0x7E; row++)
        {
            for (var cell = 0x21; cell <= 0x7E; cell++, i++)
            {
                ReadOnlySpan<byte> pair = [(byte)(row | 0x80), (byte)(cell | 0x80)];
                var n = encoding.GetChars(pair, chars);
                var c = n == 1 && row <= lastRow && !char.IsSurrogate(chars[0]) ? chars[0] : '\uFFFD';
                table[i] = c == '\uFFFD' ? c : correct((row << 8) | cell, c);
            }
        }
        return table;
    }

    /// <summary>
    /// JIS X 0208 through EUC-JP (code page 51932). Microsoft's table maps six positions to full-width
    /// look-alikes; JIS, glibc, DCMTK (via iconv) and pydicom use the characters below, so we do too and
    /// accept the Microsoft characters when encoding. Rows above 84 are vendor extensions and are dropped.
    /// </summary>
    private static char[] JisX0208Table() => GrTable(51932, static (position, c) => position switch
    {
        0x2141 => '\u301C', // WAVE DASH
        0x2142 => '\u2016', // DOUBLE VERTICAL LINE
        0x215D => '\u2212', // MINUS SIGN
        0x2171 => '\u00A2', // CENT SIGN
        0x2172 => '\u00A3', // POUND SIGN
        0x224C => '\u00AC', // NOT SIGN
        _ => c,
    }, lastRow: 0x74);

    /// <summary>JIS X 0212 from the embedded table (see Tables/generate-jisx0212.py for its provenance).</summary>
    private static char[] JisX0212Table()
    {
        using var stream = typeof(CodeElements).Assembly.GetManifestResourceStream("DicomKit.CharacterSets.jisx0212.bin")
            ?? throw new InvalidOperationException("The JIS X 0212 table is missing from the DicomKit assembly");
        var bytes = new byte[DoubleByteCodeElement.TableLength * 2];
        stream.ReadExactly(bytes);
        var table = new char[DoubleByteCodeElement.TableLength];
        for (var i = 0; i < table.Length; i++)
        {
            var code = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(i * 2));
            table[i] = code == 0 ? '\uFFFD' : (char)code;
        }
        return table;
    }
}
