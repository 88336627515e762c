using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Tests.Interop;

/// <summary>
/// Compares a data set read by DicomKit with dcmdump's listing of the same file, element by element: the same
/// tag paths in the same order, the same VR (where the file states it), the same stored length, and the same
/// value, formatted from our raw bytes the way dcmdump prints them for DCMTK's VR. Returns the differences.
/// </summary>
internal static class DumpComparison
{
    private static readonly HashSet<string> StringVRs =
        ["AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"];

    private static readonly HashSet<string> NumberVRs = ["US", "SS", "UL", "up", "SL", "FL", "FD", "SV", "UV", "OF", "OD", "OL", "OV"];

    public static List<string> Compare(DicomDataset ours, IReadOnlyList<DumpEntry> dump, bool explicitVR)
    {
        var mine = new List<(string Path, DicomItem Item, ValueSource? Fragment)>();
        Flatten(ours, "", mine);
        var problems = new List<string>();
        var skipPrefix = (string?)null;
        var d = dump;
        var j = 0;
        for (var i = 0; i < d.Count; i++)
        {
            var e = d[i];
            if (skipPrefix is not null && e.Path.StartsWith(skipPrefix, StringComparison.Ordinal)) continue;
            if (j >= mine.Count)
            {
                problems.Add($"{e.Path}: dcmdump has it, DicomKit has nothing more");
                continue;
            }
            var (path, item, fragment) = mine[j++];
            if (path != e.Path)
            {
                problems.Add($"order differs: dcmdump {e.Path}, DicomKit {path}");
                return problems;
            }
            var p = Check(e, item, fragment, explicitVR, out var skipChildren);
            if (p is not null) problems.Add($"{e.Path}: {p}");
            if (skipChildren)
            {
                skipPrefix = e.Path + "/";
                while (j < mine.Count && mine[j].Path.StartsWith(skipPrefix, StringComparison.Ordinal)) j++;
            }
        }
        for (; j < mine.Count; j++) problems.Add($"{mine[j].Path}: DicomKit has it, dcmdump does not");
        return problems;
    }

    private static void Flatten(DicomDataset ds, string prefix, List<(string, DicomItem, ValueSource?)> into)
    {
        foreach (var item in ds)
        {
            var path = prefix + item.Tag;
            into.Add((path, item, null));
            switch (item)
            {
                case DicomSequence sq:
                    for (var k = 0; k < sq.Items.Count; k++) Flatten(sq.Items[k], $"{path}/{k}/", into);
                    break;
                case DicomFragmentSequence f:
                    into.Add(($"{path}/#0", item, f.OffsetTable));
                    for (var k = 0; k < f.Fragments.Count; k++) into.Add(($"{path}/#{k + 1}", item, f.Fragments[k]));
                    break;
            }
        }
    }

    private static string? Check(DumpEntry e, DicomItem item, ValueSource? fragment, bool explicitVR, out bool skipChildren)
    {
        skipChildren = false;
        if (fragment is not null)
        {
            if (fragment.Length != e.Length) return $"fragment length {fragment.Length}, dcmdump {e.Length}";
            var hex = fragment.Length == 0 ? "(no value available)" : Hex(fragment.Memory.Span);
            return e.Value == hex || (fragment.Length == 0 && e.Value.Length == 0) ? null : "fragment bytes differ";
        }
        if (explicitVR || item.VR != DicomVR.UN)
        {
            // dcmdump prints "??" for an element whose VR it could not learn (implicit VR content of a UN sequence).
            // DCMTK prints "up" for the UL file offsets of a DICOMDIR, and "OB" for every pixel sequence, whatever
            // VR the file states (encapsulated pixel data written as OW is seen in the wild; DicomKit keeps it).
            if (item.VR.Code != e.VR && !(e.VR == "SQ" && item is DicomSequence) && !(e.VR == "??" && item.VR == DicomVR.UN)
                && !(e.VR == "up" && item.VR == DicomVR.UL) && !(e.VR == "OB" && item is DicomFragmentSequence))
                return $"VR {item.VR}, dcmdump {e.VR}";
        }
        switch (item)
        {
            case DicomSequence sq:
                if (e.VR != "SQ" && !e.Value.StartsWith("(Sequence", StringComparison.Ordinal)) return $"a sequence for DicomKit, {e.VR} for dcmdump";
                var n = Dcmdump.ItemCount(e);
                return sq.Items.Count == n ? null : $"{sq.Items.Count} items, dcmdump {n}";
            case DicomFragmentSequence f:
                return e.Value.StartsWith("(PixelSequence", StringComparison.Ordinal) ? null : "encapsulated for DicomKit only";
            case DicomElement el:
                if (e.VR == "SQ")
                {
                    // An implicit VR file whose sequence has a defined length and a tag our dictionary does not know
                    // stays UN bytes. Once the dictionary knows the tag, this must be a parsed sequence.
                    skipChildren = true;
                    if (DicomDictionary.GetDefaultVR(el.Tag) == DicomVR.SQ) return "dictionary says SQ but it was read as bytes";
                    return el.Length == e.Length ? null : $"length {el.Length}, dcmdump {e.Length}";
                }
                // DCMTK pads an odd-length value with a NUL as it loads it, and reports the padded length.
                var odd = (el.Length & 1) == 1 && el.Length + 1 == e.Length;
                if (el.Length != e.Length && !odd) return $"length {el.Length}, dcmdump {e.Length}";
                var bytes = el.Value.Memory.ToArray();
                return CheckValue(e, odd && !StringVRs.Contains(e.VR) ? [.. bytes, 0] : bytes);
            default:
                return "unknown item kind";
        }
    }

    private static string? CheckValue(DumpEntry e, ReadOnlySpan<byte> bytes)
    {
        if (StringVRs.Contains(e.VR))
        {
            var ours = QuoteAsOctal(bytes).TrimEnd(' ', '\0');
            if (ours.EndsWith("\\000", StringComparison.Ordinal)) ours = ours[..^4];
            var theirs = Dcmdump.StringValue(e).TrimEnd(' ');
            if (theirs.EndsWith("\\000", StringComparison.Ordinal)) theirs = theirs[..^4]; // DCMTK's padding of an odd length
            return ours == theirs ? null : $"text '{ours}', dcmdump '{theirs}'";
        }
        if (bytes.IsEmpty) return e.Value == "(no value available)" ? null : $"empty, dcmdump '{e.Value}'";
        if (e.VR is "OB" or "UN" or "??" or "ox")
            return Hex(bytes) == e.Value ? null : $"bytes {Hex(bytes)}, dcmdump {e.Value}";
        if (e.VR == "OW")
            return Words(bytes) == e.Value ? null : "16-bit words differ";
        if (e.VR == "AT")
        {
            var sb = new StringBuilder();
            for (var k = 0; k + 4 <= bytes.Length; k += 4)
            {
                if (k > 0) sb.Append('\\');
                sb.Append(CultureInfo.InvariantCulture, $"({BinaryPrimitives.ReadUInt16LittleEndian(bytes[k..]):x4},{BinaryPrimitives.ReadUInt16LittleEndian(bytes[(k + 2)..]):x4})");
            }
            return sb.ToString() == e.Value ? null : $"tags {sb}, dcmdump {e.Value}";
        }
        if (NumberVRs.Contains(e.VR))
        {
            var ours = Numbers(e.VR, bytes);
            var theirs = e.Value.Split('\\').Select(s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
            if (ours.Length != theirs.Length) return $"{ours.Length} numbers, dcmdump {theirs.Length}";
            for (var k = 0; k < ours.Length; k++)
                if (Math.Abs(ours[k] - theirs[k]) > 1e-5 * Math.Max(1, Math.Abs(theirs[k])))
                    return $"number {k} is {ours[k]}, dcmdump {theirs[k]}";
            return null;
        }
        return null; // VRs dcmdump prints in ways not compared here: lengths were compared above
    }

    private static double[] Numbers(string vr, ReadOnlySpan<byte> b)
    {
        var size = vr switch { "US" or "SS" => 2, "UL" or "up" or "SL" or "FL" or "OF" or "OL" => 4, _ => 8 };
        var r = new double[b.Length / size];
        for (var k = 0; k < r.Length; k++)
        {
            var s = b.Slice(k * size, size);
            r[k] = vr switch
            {
                "US" => BinaryPrimitives.ReadUInt16LittleEndian(s),
                "SS" => BinaryPrimitives.ReadInt16LittleEndian(s),
                "UL" or "up" or "OL" => BinaryPrimitives.ReadUInt32LittleEndian(s),
                "SL" => BinaryPrimitives.ReadInt32LittleEndian(s),
                "FL" or "OF" => BinaryPrimitives.ReadSingleLittleEndian(s),
                "FD" or "OD" => BinaryPrimitives.ReadDoubleLittleEndian(s),
                "SV" => BinaryPrimitives.ReadInt64LittleEndian(s),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(s),
            };
        }
        return r;
    }

    public static string Hex(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length * 3);
        for (var k = 0; k < bytes.Length; k++)
        {
            if (k > 0) sb.Append('\\');
            sb.Append(CultureInfo.InvariantCulture, $"{bytes[k]:x2}");
        }
        return sb.ToString();
    }

    private static string Words(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length * 5 / 2);
        for (var k = 0; k + 2 <= bytes.Length; k += 2)
        {
            if (k > 0) sb.Append('\\');
            sb.Append(CultureInfo.InvariantCulture, $"{BinaryPrimitives.ReadUInt16LittleEndian(bytes[k..]):x4}");
        }
        return sb.ToString();
    }

    /// <summary>The bytes as dcmdump +Qo prints them: ASCII as is, other bytes and control characters as \ooo.</summary>
    private static string QuoteAsOctal(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and < 0x7F) sb.Append((char)b);
            else sb.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
        }
        return sb.ToString();
    }

    /// <summary>Whether DicomKit reads this syntax's VRs from the file (so they must agree with DCMTK's).</summary>
    public static bool StatesVR(DicomTransferSyntax ts) => ts.IsExplicitVR;
}
