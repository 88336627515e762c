using System.Collections.Concurrent;
using System.Text;

namespace DicomKit.Data;

/// <summary>
/// The character repertoire named by Specific Character Set (0008,0005) (PS3.3 C.12.1.1.2, PS3.5 6.1), turning the
/// bytes of SH, LO, ST, LT, PN, UC and UT values into text and back. Immutable and cached per distinct value, so a
/// data set reader can hold one reference per instance and share it across threads.
/// </summary>
/// <remarks>
/// Decoding is lenient because a gateway must pass on what it receives: undefined bytes become U+FFFD rather than
/// failing the instance. Encoding is strict: a character the declared repertoire lacks throws
/// <see cref="DicomCharacterSetException"/>, since writing a substitute would silently change a patient's name.
/// </remarks>
public sealed partial class DicomCharacterSet
{
    private enum Kind : byte
    {
        /// <summary>ISO-IR 6 without code extensions; bytes above 7F are read as Latin-1.</summary>
        Default,

        /// <summary>One 8-bit table, no escape sequences (ISO_IR 100, 144, 13, ...).</summary>
        SingleByte,

        /// <summary>UTF-8, GB18030 or GBK, which .NET decodes and which exclude code extensions.</summary>
        Multibyte,

        /// <summary>Any ISO 2022 term: escape sequences switch G0 and G1.</summary>
        Iso2022,
    }

    private static readonly ConcurrentDictionary<string, DicomCharacterSet> Cache = new(StringComparer.Ordinal);

    private readonly Kind _kind;
    private readonly char[]? _byteTable;                 // SingleByte: 256 characters
    private readonly SingleByteCodeElement? _upperSet;   // SingleByte: the G1 set behind bytes A0-FF
    private readonly Encoding? _decoding;                // Multibyte: lenient decoder
    private readonly Encoding? _encoding;                // Multibyte: throws on unrepresentable characters
    private readonly int _maxBytesPerChar;

    private DicomCharacterSet(IReadOnlyList<string> terms, Kind kind)
    {
        Terms = terms;
        _kind = kind;
        _initialG0 = CodeElements.Ascii;
        _elements = [];
        _maxBytesPerChar = 1;
    }

    private DicomCharacterSet(IReadOnlyList<string> terms, CodeElement g0, SingleByteCodeElement g1)
        : this(terms, Kind.SingleByte)
    {
        _upperSet = g1;
        _byteTable = new char[256];
        for (var b = 0; b < 0x80; b++)
            _byteTable[b] = (char)b;
        for (var b = 0x80; b < 0xA0; b++)
            _byteTable[b] = (char)b; // C1 controls are not allowed in DICOM; keep them visible as Latin-1 does
        for (var b = 0xA0; b < 0x100; b++)
            _byteTable[b] = g1.Decode(b);
        _initialG0 = g0;
    }

    private DicomCharacterSet(IReadOnlyList<string> terms, int codePage, int maxBytesPerChar)
        : this(terms, Kind.Multibyte)
    {
        _decoding = codePage == 65001 ? new UTF8Encoding(false, false) : CodeElements.GetEncoding(codePage, throwOnInvalid: false);
        _encoding = codePage == 65001 ? new UTF8Encoding(false, true) : CodeElements.GetEncoding(codePage, throwOnInvalid: true);
        _maxBytesPerChar = maxBytesPerChar;
    }

    /// <summary>
    /// ISO-IR 6, used when (0008,0005) is absent or empty. Bytes above 7F are decoded as Latin-1 instead of
    /// failing: many systems write accented Western names without declaring ISO_IR 100, and Latin-1 maps every
    /// byte to a distinct character, so the text stays readable and the original bytes can be recovered.
    /// Encoding stays strict ASCII.
    /// </summary>
    public static DicomCharacterSet Default { get; } = new([], Kind.Default);

    /// <summary>ISO_IR 192, Unicode in UTF-8.</summary>
    public static DicomCharacterSet Utf8 { get; } = new(["ISO_IR 192"], 65001, 3);

    /// <summary>The values of (0008,0005) this instance was made from, trimmed of padding.</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>True when any term is an ISO 2022 term, so values may contain escape sequences.</summary>
    public bool UsesCodeExtensions => _kind == Kind.Iso2022;

    /// <summary>
    /// The character set for the values of (0008,0005). The first value may be empty (ISO-IR 6 with extensions).
    /// </summary>
    /// <exception cref="DicomCharacterSetException">A term is unknown or the combination is not allowed.</exception>
    public static DicomCharacterSet FromTerms(IReadOnlyList<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return TryCreate(terms, out var set, out var error) ? set : throw new DicomCharacterSetException(error);
    }

    /// <summary>As <see cref="FromTerms"/>, returning false instead of throwing.</summary>
    public static bool TryFromTerms(IReadOnlyList<string> terms, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DicomCharacterSet? characterSet)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var ok = TryCreate(terms, out var set, out _);
        characterSet = ok ? set : null;
        return ok;
    }

    /// <summary>
    /// Text of one value field (all values, backslashes included). VRs that are not character-set dependent are
    /// read as ASCII whatever (0008,0005) says (PS3.5 6.1.2.3).
    /// </summary>
    public string Decode(ReadOnlySpan<byte> bytes, DicomVR vr)
    {
        if (bytes.IsEmpty)
            return string.Empty;
        if (!vr.IsCharacterSetDependent)
            return Encoding.Latin1.GetString(bytes);
        return _kind switch
        {
            Kind.Default => Encoding.Latin1.GetString(bytes),
            Kind.SingleByte => DecodeWithTable(bytes, _byteTable!),
            Kind.Multibyte => _decoding!.GetString(bytes),
            _ => DecodeIso2022(bytes, vr),
        };
    }

    /// <summary>
    /// Bytes of one value field, without padding. With code extensions the initial sets are restored before every
    /// delimiter and at the end, as PS3.5 6.1.2.5.3 requires.
    /// </summary>
    /// <exception cref="DicomCharacterSetException">A character cannot be represented.</exception>
    public byte[] Encode(string text, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
            return [];
        if (!vr.IsCharacterSetDependent)
            return EncodeAscii(text, vr);
        switch (_kind)
        {
            case Kind.Default:
                return EncodeAscii(text, vr);
            case Kind.SingleByte:
                return EncodeSingleByte(text);
            case Kind.Multibyte:
                try
                {
                    return _encoding!.GetBytes(text);
                }
                catch (EncoderFallbackException e)
                {
                    throw Unrepresentable(e.CharUnknown != '\0' ? e.CharUnknown : e.CharUnknownHigh, e);
                }
            default:
                return EncodeIso2022(text, vr);
        }
    }

    /// <summary>An upper bound of the encoded length of <paramref name="chars"/> UTF-16 characters, for buffers.</summary>
    public int GetMaxByteCount(int chars)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chars);
        // ISO 2022: each character may need a designation (at most 4 bytes) before its 2 bytes, plus two at the end.
        return _kind == Kind.Iso2022 ? checked((chars * 6) + 8) : checked(chars * _maxBytesPerChar);
    }

    public override string ToString() => Terms.Count == 0 ? "ISO_IR 6" : string.Join('\\', Terms);

    private static string DecodeWithTable(ReadOnlySpan<byte> bytes, char[] table) =>
        string.Create(bytes.Length, new TableDecodeState(bytes, table), static (chars, state) =>
        {
            var bytes = state.Bytes;
            var table = state.Table;
            for (var i = 0; i < chars.Length; i++)
                chars[i] = table[bytes[i]];
        });

    private readonly ref struct TableDecodeState(ReadOnlySpan<byte> bytes, char[] table)
    {
        public readonly ReadOnlySpan<byte> Bytes = bytes;
        public readonly char[] Table = table;
    }

    private byte[] EncodeAscii(string text, DicomVR vr)
    {
        var index = text.AsSpan().IndexOfAnyExceptInRange('\0', '\x7F');
        if (index >= 0)
        {
            throw new DicomCharacterSetException(vr.IsCharacterSetDependent
                ? $"{Describe(text[index])} is not in Specific Character Set '{this}'"
                : $"{Describe(text[index])} is not allowed in a {vr} value, which is always ASCII");
        }
        return Encoding.ASCII.GetBytes(text);
    }

    private byte[] EncodeSingleByte(string text)
    {
        var result = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x80)
                result[i] = (byte)c;
            else if (_upperSet!.TryEncode(c, out var position) && position >= 0x20)
                result[i] = (byte)(position | 0x80);
            else
                throw Unrepresentable(c, null);
        }
        return result;
    }

    private DicomCharacterSetException Unrepresentable(char c, Exception? inner)
    {
        var message = $"{Describe(c)} cannot be encoded with Specific Character Set '{this}'";
        return inner is null ? new DicomCharacterSetException(message) : new DicomCharacterSetException(message, inner);
    }

    // Only the code point: the text around it may be a patient name and must not reach a log.
    private static string Describe(char c) => $"Character U+{(int)c:X4}";
}
