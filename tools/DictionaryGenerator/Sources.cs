using System.Globalization;
using System.Text.RegularExpressions;

namespace DictionaryGenerator;

/// <summary>One data element as the generator understands it, before it is written as C#.</summary>
/// <param name="Mask">Bits of the 32-bit tag that must equal <paramref name="Value"/>; all ones for a plain tag.</param>
/// <param name="MaskText">The tag in PS3.6 notation, e.g. "(60xx,3000)".</param>
/// <param name="Tag">The tag to publish in Tags.*: the entry itself, or the lowest (or DCMTK's sample) member of a masked entry.</param>
internal sealed record TagRow(uint Value, uint Mask, string MaskText, string Keyword, string Name, string[] VRs, string VM, bool Retired)
{
    public uint Tag { get; init; } = Value;
}

internal sealed record UidRow(string Value, string Name, string Keyword, string Type, bool Retired);

/// <summary>Names, VR alternatives and UID metadata from pydicom's dictionaries: DCMTK has no human-readable names.</summary>
internal sealed class NameSource
{
    public Dictionary<string, (string VR, string Name)> Tags { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (string Name, string Type, bool Retired, string Keyword)> Uids { get; } = new(StringComparer.Ordinal);

    // 0x00100010: ('PN', '1', "Patient's Name", '', 'PatientName'),
    // '60xx3000': ('OB or OW', '1', "Overlay Data", '', 'OverlayData'),
    private static readonly Regex TagLine = new(
        @"^\s*(?:0x(?<tag>[0-9A-Fa-f]{8})|'(?<mask>[0-9A-Fa-fx]{8})'):\s*\('(?<vr>[^']*)',\s*'[^']*',\s*(?<q>[""'])(?<name>.*?)\k<q>,",
        RegexOptions.CultureInvariant);

    // '1.2.840.10008.1.1': ('Verification SOP Class', 'SOP Class', '', '', 'Verification'),
    private static readonly Regex UidLine = new(
        @"^\s*'(?<uid>[0-9.]+)':\s*\((?<q>[""'])(?<name>.*?)\k<q>,\s*'(?<type>[^']*)',\s*(?<q2>[""']).*?\k<q2>,\s*'(?<ret>[^']*)',\s*'(?<kw>[^']*)'\)",
        RegexOptions.CultureInvariant);

    public static NameSource Load(string? pydicomDir)
    {
        var source = new NameSource();
        if (pydicomDir is null)
            return source;
        foreach (var line in File.ReadLines(Path.Combine(pydicomDir, "_dicom_dict.py")))
        {
            var m = TagLine.Match(line);
            if (!m.Success)
                continue;
            var key = m.Groups["tag"].Success ? m.Groups["tag"].Value.ToUpperInvariant() : m.Groups["mask"].Value.ToUpperInvariant().Replace('X', 'x');
            source.Tags[key] = (m.Groups["vr"].Value, m.Groups["name"].Value);
        }
        foreach (var line in File.ReadLines(Path.Combine(pydicomDir, "_uid_dict.py")))
        {
            var m = UidLine.Match(line);
            if (m.Success)
                source.Uids[m.Groups["uid"].Value] = (m.Groups["name"].Value, m.Groups["type"].Value, m.Groups["ret"].Value.Length > 0, m.Groups["kw"].Value);
        }
        return source;
    }
}

internal static class Sources
{
    /// <summary>The DCMTK pseudo VRs and the real VRs they stand for; the first is the default (see README).</summary>
    private static readonly Dictionary<string, string[]> PseudoVRs = new(StringComparer.Ordinal)
    {
        ["xs"] = ["US", "SS"],
        ["ox"] = ["OW", "OB"],
        ["px"] = ["OW", "OB"],
        ["lt"] = ["OW", "US", "SS"],
        ["up"] = ["UL"],
        ["na"] = ["UN"],
    };

    /// <summary>
    /// Reads dicom.dic. Lines whose version column starts with "DICOM" are accepted; PRIVATE, ILLEGAL and
    /// GENERIC lines describe rules (group length, private creator) that DicomDictionary applies in code.
    /// </summary>
    public static List<TagRow> ReadDcmtkDictionary(string path, NameSource names, out int skipped)
    {
        var rows = new List<TagRow>();
        skipped = 0;
        var lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.TrimEnd();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var f = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 5)
                throw new FormatException($"{path}:{lineNo}: expected 5 tab-separated fields");
            if (!f[4].StartsWith("DICOM", StringComparison.Ordinal))
            {
                skipped++;
                continue;
            }
            var (value, mask, maskText) = ParseDcmtkTag(f[0], path, lineNo);
            var keyword = f[2];
            var retired = keyword.StartsWith("RETIRED_", StringComparison.Ordinal) || f[4].EndsWith("/retired", StringComparison.Ordinal);
            if (keyword.StartsWith("RETIRED_", StringComparison.Ordinal))
                keyword = keyword["RETIRED_".Length..];
            var nameKey = NameKey(value, mask);
            names.Tags.TryGetValue(nameKey, out var known);
            var vrs = PseudoVRs.TryGetValue(f[1], out var alternatives)
                ? Reorder(known.VR, alternatives)
                : [f[1]];
            rows.Add(new TagRow(value, mask, maskText, keyword, known.Name ?? SplitWords(keyword), vrs, f[3], retired));
        }
        return rows;
    }

    /// <summary>Reads supplement-tags.txt: masked tags in the standard's "x" notation.</summary>
    public static List<TagRow> ReadTagSupplement(string path, NameSource names)
    {
        var rows = new List<TagRow>();
        foreach (var (lineNo, f) in ReadTabbed(path, 5))
        {
            var hex = f[0].Trim('(', ')').Replace(",", "", StringComparison.Ordinal);
            if (hex.Length != 8)
                throw new FormatException($"{path}:{lineNo}: bad tag {f[0]}");
            uint value = 0, mask = 0;
            foreach (var c in hex)
            {
                value <<= 4;
                mask <<= 4;
                if (c is 'x' or 'X')
                    continue;
                value |= uint.Parse(c.ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                mask |= 0xF;
            }
            names.Tags.TryGetValue(NameKey(value, mask), out var known);
            rows.Add(new TagRow(value, mask, f[0], f[2], known.Name ?? SplitWords(f[2]), [f[1]], f[3], f[4] == "retired"));
        }
        return rows;
    }

    /// <summary>
    /// Reads the string-literal UID defines of dcuid.h. A UID is kept when it is under the DICOM root or
    /// pydicom's registry knows it (standard coding schemes have other roots); DCMTK's private UIDs and
    /// prefixes are left out.
    /// </summary>
    public static List<UidRow> ReadDcmtkUids(string path, NameSource names)
    {
        var define = new Regex(@"^#define\s+UID_(?<name>\w+)\s+""(?<uid>[0-9.]+)""\s*$", RegexOptions.CultureInvariant);
        var rows = new List<UidRow>();
        foreach (var line in File.ReadLines(path))
        {
            var m = define.Match(line);
            if (!m.Success)
                continue;
            var uid = m.Groups["uid"].Value;
            var dcmtkName = m.Groups["name"].Value;
            if (uid.EndsWith('.') || dcmtkName.EndsWith("_Prefix", StringComparison.Ordinal))
                continue;
            var dcmtkRetired = dcmtkName.StartsWith("RETIRED_", StringComparison.Ordinal);
            if (dcmtkRetired)
                dcmtkName = dcmtkName["RETIRED_".Length..];
            if (names.Uids.TryGetValue(uid, out var known) && known.Name.Length > 0)
            {
                var keyword = known.Keyword.Length > 0 ? known.Keyword : dcmtkName;
                rows.Add(new UidRow(uid, known.Name, keyword, MapUidType(known.Type, known.Name), known.Retired || dcmtkRetired));
            }
            else if (uid.StartsWith("1.2.840.10008.", StringComparison.Ordinal))
            {
                rows.Add(new UidRow(uid, SplitWords(dcmtkName), dcmtkName, GuessUidType(dcmtkName), dcmtkRetired));
            }
        }
        return rows;
    }

    /// <summary>The non-blank, non-comment lines of a hand-kept supplement file, split at tabs, with their line numbers.</summary>
    private static IEnumerable<(int LineNo, string[] Fields)> ReadTabbed(string path, int fieldCount)
    {
        var lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var f = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != fieldCount)
                throw new FormatException($"{path}:{lineNo}: expected {fieldCount} tab-separated fields");
            yield return (lineNo, f);
        }
    }

    public static List<UidRow> ReadUidSupplement(string path)
    {
        var rows = new List<UidRow>();
        foreach (var (lineNo, f) in ReadTabbed(path, 5))
        {
            rows.Add(new UidRow(f[0], f[1], f[2], f[3], f[4] == "retired"));
        }
        return rows;
    }

    private static (uint Value, uint Mask, string MaskText) ParseDcmtkTag(string text, string path, int lineNo)
    {
        var inner = text.Trim('(', ')').Split(',');
        if (inner.Length != 2)
            throw new FormatException($"{path}:{lineNo}: bad tag {text}");
        var (g, gMask, gText) = ParseRange(inner[0], path, lineNo);
        var (e, eMask, eText) = ParseRange(inner[1], path, lineNo);
        return (((uint)g << 16) | e, ((uint)gMask << 16) | eMask, $"({gText},{eText})");
    }

    /// <summary>
    /// "gggg", "gggg-gggg" (even only, DCMTK's default), "gggg-o-gggg" (odd) or "gggg-u-gggg" (all):
    /// turned into a value and a bit mask, which must describe the range exactly.
    /// </summary>
    private static (ushort Value, ushort Mask, string Text) ParseRange(string text, string path, int lineNo)
    {
        var parts = text.Split('-');
        static ushort Hex(string s) => ushort.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (parts.Length == 1)
        {
            var v = Hex(parts[0]);
            return (v, 0xFFFF, parts[0].ToUpperInvariant());
        }
        var lo = Hex(parts[0]);
        var hi = Hex(parts[^1]);
        var parity = parts.Length == 3 ? parts[1] : "e";
        var span = (ushort)(lo ^ hi);
        if ((span & (span + 1)) != 0 || (lo & span) != 0)
            throw new FormatException($"{path}:{lineNo}: range {text} is not a mask");
        var mask = (ushort)~span;
        if (parity != "u")
            mask |= 1; // the lowest bit is fixed: lo's for even ranges, set for odd ones
        var value = parity == "o" ? (ushort)(lo | 1) : lo;
        var chars = value.ToString("X4", CultureInfo.InvariantCulture).ToCharArray();
        for (var i = 0; i < 4; i++)
        {
            var nibble = (mask >> ((3 - i) * 4)) & 0xF;
            if (nibble != 0xF)
                chars[i] = 'x';
        }
        return (value, mask, new string(chars));
    }

    /// <summary>pydicom keys: "GGGGEEEE" for plain tags, the "x" notation for masks ("60xx3000").</summary>
    private static string NameKey(uint value, uint mask)
    {
        var chars = value.ToString("X8", CultureInfo.InvariantCulture).ToCharArray();
        for (var i = 0; i < 8; i++)
        {
            var nibble = (mask >> ((7 - i) * 4)) & 0xF;
            if (nibble == 0 || (i is 3 or 7 && nibble == 0xE))
                chars[i] = 'x';
        }
        return new string(chars);
    }

    /// <summary>Keeps the policy's default VR first while taking the set of alternatives from the standard where known.</summary>
    private static string[] Reorder(string? standardVR, string[] policy)
    {
        if (string.IsNullOrEmpty(standardVR) || !standardVR.Contains(" or ", StringComparison.Ordinal))
            return policy;
        var alternatives = standardVR.Split(" or ", StringSplitOptions.TrimEntries);
        return [.. alternatives.OrderBy(vr => Array.IndexOf(policy, vr) is var i && i < 0 ? int.MaxValue : i)];
    }

    private static string MapUidType(string pydicomType, string name) => pydicomType switch
    {
        "Transfer Syntax" => "TransferSyntax",
        "SOP Class" => "SopClass",
        "Meta SOP Class" => "MetaSopClass",
        "Well-known SOP Instance" or "Well-known frame of reference" or "Synchronization Frame of Reference" => "WellKnownInstance",
        "Application Context Name" => "ApplicationContextName",
        "Coding Scheme" => "CodingScheme",
        _ when name.EndsWith("SOP Instance", StringComparison.Ordinal) => "WellKnownInstance",
        _ => "Other",
    };

    private static string GuessUidType(string dcmtkName) =>
        dcmtkName.EndsWith("TransferSyntax", StringComparison.Ordinal) ? "TransferSyntax"
        : dcmtkName.EndsWith("Storage", StringComparison.Ordinal) || dcmtkName.EndsWith("SOPClass", StringComparison.Ordinal) ? "SopClass"
        : "Other";

    /// <summary>"PatientName" -> "Patient Name": the fallback when pydicom does not know a name.</summary>
    internal static string SplitWords(string keyword)
    {
        var sb = new System.Text.StringBuilder(keyword.Length + 8);
        for (var i = 0; i < keyword.Length; i++)
        {
            var c = keyword[i];
            if (i > 0 && char.IsUpper(c) && (char.IsLower(keyword[i - 1]) || (i + 1 < keyword.Length && char.IsLower(keyword[i + 1]) && char.IsUpper(keyword[i - 1]))))
                sb.Append(' ');
            sb.Append(c);
        }
        return sb.ToString();
    }
}
