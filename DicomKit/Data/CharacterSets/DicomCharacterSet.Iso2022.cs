using System.Buffers;

namespace DicomKit.Data;

/// <summary>
/// ISO/IEC 2022 code extensions as PS3.5 6.1.2.5 restricts them: G0 and G1 only, designated by escape sequences,
/// no locking shifts; the sets of value 1 are in force at the start of a value and again after every delimiter.
/// </summary>
public sealed partial class DicomCharacterSet
{
    private const byte Esc = 0x1B;

    private readonly CodeElement _initialG0;
    private readonly CodeElement? _initialG1;
    private readonly CodeElement[] _elements;     // every set the terms allow, in the order of the terms
    private readonly CodeElement? _fallbackG1;    // read GR bytes with this when no G1 set is designated

    private DicomCharacterSet(IReadOnlyList<string> terms, List<TermInfo> infos)
        : this(terms, Kind.Iso2022)
    {
        // Value 1 must be a single-byte set; a multi-byte term first is tolerated by starting from ASCII.
        var first = infos[0];
        var firstIsSingleByte = first.G0 is SingleByteCodeElement;
        _initialG0 = firstIsSingleByte ? first.G0! : CodeElements.Ascii;
        _initialG1 = firstIsSingleByte ? first.G1 : null;

        var elements = new List<CodeElement> { _initialG0 };
        if (_initialG1 is not null)
            elements.Add(_initialG1);
        foreach (var info in infos)
        {
            if (info.G0 is not null && !elements.Contains(info.G0))
                elements.Add(info.G0);
            if (info.G1 is not null && !elements.Contains(info.G1))
                elements.Add(info.G1);
        }
        _elements = [.. elements];
        _fallbackG1 = _initialG1 ?? elements.Find(e => e.IsG1);
        _maxBytesPerChar = 2;
    }

    /// <summary>True for the characters before which value 1's sets must be back in force (PS3.5 6.1.2.5.3).</summary>
    private static bool IsResetPoint(char c, bool personName, bool multiValued) =>
        c < 0x20 || c == 0x7F || (multiValued && c == '\\') || (personName && (c == '^' || c == '='));

    private string DecodeIso2022(ReadOnlySpan<byte> bytes, DicomVR vr)
    {
        // Every byte yields at most one character, so the input length bounds the output.
        char[]? rented = null;
        var buffer = bytes.Length <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(bytes.Length));
        try
        {
            var length = DecodeIso2022(bytes, vr, buffer);
            return new string(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<char>.Shared.Return(rented);
        }
    }

    private int DecodeIso2022(ReadOnlySpan<byte> bytes, DicomVR vr, Span<char> output)
    {
        var personName = vr == DicomVR.PN;
        var multiValued = !vr.IsSingleValuedString;
        var g0 = _initialG0;
        var g1 = _initialG1;
        var n = 0;
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            if (b == Esc)
            {
                // Any known designation is honoured, listed in (0008,0005) or not: the text is what it says it is.
                var element = CodeElements.MatchDesignation(bytes[i..]);
                if (element is null)
                {
                    output[n++] = (char)b;
                    i++;
                }
                else
                {
                    if (element.IsG1)
                        g1 = element;
                    else
                        g0 = element;
                    i += element.Designation.Length;
                }
                continue;
            }

            if (b < 0x20 || b == 0x7F)
            {
                output[n++] = (char)b;
                i++;
                g0 = _initialG0;
                g1 = _initialG1;
                continue;
            }

            if (b < 0x80)
            {
                if (g0.BytesPerChar == 2 && b != 0x20 && i + 1 < bytes.Length && bytes[i + 1] is >= 0x21 and <= 0x7E)
                {
                    output[n++] = g0.Decode((b << 8) | bytes[i + 1]);
                    i += 2;
                    continue;
                }
                // A space, or a lone byte where the sender forgot to switch back to ASCII: read it as ASCII.
                var c = b == 0x20 || g0.BytesPerChar == 2 ? (char)b : g0.Decode(b);
                output[n++] = c;
                i++;
                if (IsResetPoint(c, personName, multiValued))
                {
                    g0 = _initialG0;
                    g1 = _initialG1;
                }
                continue;
            }

            var upper = g1 ?? _fallbackG1;
            if (upper is null || b < 0xA0)
            {
                output[n++] = (char)b; // no G1 set at all, or a C1 control: Latin-1, as for the default repertoire
                i++;
            }
            else if (upper.BytesPerChar == 1)
            {
                output[n++] = upper.Decode(b & 0x7F);
                i++;
            }
            else if (i + 1 < bytes.Length && bytes[i + 1] >= 0xA0)
            {
                output[n++] = upper.Decode(((b & 0x7F) << 8) | (bytes[i + 1] & 0x7F));
                i += 2;
            }
            else
            {
                output[n++] = '\uFFFD';
                i++;
            }
        }
        return n;
    }

    private byte[] EncodeIso2022(string text, DicomVR vr)
    {
        var personName = vr == DicomVR.PN;
        var multiValued = !vr.IsSingleValuedString;
        var buffer = ArrayPool<byte>.Shared.Rent(GetMaxByteCount(text.Length));
        try
        {
            var n = 0;
            var g0 = _initialG0;
            var g1 = _initialG1;
            foreach (var c in text)
            {
                if (IsResetPoint(c, personName, multiValued))
                {
                    n = RestoreInitialSets(ref g0, ref g1, buffer, n);
                    buffer[n++] = (byte)c;
                    continue;
                }
                if (c == (char)Esc)
                    throw Unrepresentable(c, null); // escape sequences are ours to write

                if (TryWrite(g0, c, buffer, ref n) || (g1 is not null && TryWrite(g1, c, buffer, ref n)))
                    continue;

                var designated = false;
                foreach (var element in _elements)
                {
                    if (element == g0 || element == g1 || !element.TryEncode(c, out _))
                        continue;
                    element.Designation.CopyTo(buffer, n);
                    n += element.Designation.Length;
                    if (element.IsG1)
                        g1 = element;
                    else
                        g0 = element;
                    TryWrite(element, c, buffer, ref n);
                    designated = true;
                    break;
                }
                if (!designated)
                    throw Unrepresentable(c, null);
            }
            n = RestoreInitialSets(ref g0, ref g1, buffer, n);
            return buffer.AsSpan(0, n).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes the escape sequences that bring back value 1's sets; G1 needs none when value 1 has no G1.</summary>
    private int RestoreInitialSets(ref CodeElement g0, ref CodeElement? g1, byte[] buffer, int n)
    {
        if (g0 != _initialG0)
        {
            _initialG0.Designation.CopyTo(buffer, n);
            n += _initialG0.Designation.Length;
            g0 = _initialG0;
        }
        if (g1 != _initialG1)
        {
            if (_initialG1 is not null)
            {
                _initialG1.Designation.CopyTo(buffer, n);
                n += _initialG1.Designation.Length;
            }
            g1 = _initialG1;
        }
        return n;
    }

    private static bool TryWrite(CodeElement set, char c, byte[] buffer, ref int n)
    {
        if (!set.TryEncode(c, out var position))
            return false;
        var high = set.IsG1 ? 0x80 : 0x00;
        if (set.BytesPerChar == 2)
            buffer[n++] = (byte)((position >> 8) | high);
        buffer[n++] = (byte)((position & 0x7F) | high);
        return true;
    }
}
