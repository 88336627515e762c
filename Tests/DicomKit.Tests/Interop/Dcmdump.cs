using System.Globalization;
using System.Text.RegularExpressions;
using DicomKit.Data;

namespace DicomKit.Tests.Interop;

/// <summary>
/// One line of a dcmdump listing: where the element sits (tag path through sequence items), its VR as DCMTK
/// sees it, the printed value and the stored length (null for undefined length).
/// Paths look like "(0008,1140)/1/(0040,A170)/0/(0008,0100)"; fragments of encapsulated pixel data are
/// "(7FE0,0010)/#0" (the offset table), "(7FE0,0010)/#1" and so on.
/// </summary>
internal sealed record DumpEntry(string Path, DicomTag Tag, string VR, string Value, long? Length);

/// <summary>
/// Runs DCMTK's dcmdump with options that print every value in full and quote non-ASCII bytes as octal
/// (<c>-q +L -Un +Qo</c>), and parses the data set part of its output.
/// </summary>
internal static partial class Dcmdump
{
    public static IReadOnlyList<DumpEntry> Read(string file)
    {
        var r = ExternalTool.Run("dcmdump", "-q", "+L", "-Un", "+Qo", file);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"dcmdump failed on {file} (exit {r.ExitCode}): {r.StandardError}");
        return Parse(r.StandardOutput);
    }

    public static IReadOnlyList<DumpEntry> Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var entries = new List<DumpEntry>();
        // contexts[k] is the path prefix of elements at nesting level k; sequences[k] the sequence being filled at that level.
        var contexts = new List<string> { "" };
        var sequences = new List<(string Path, int Items)>();
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var m = LineRegex().Match(line);
            if (!m.Success) continue;
            var indent = m.Groups["indent"].Value.Length;
            var tag = DicomTag.Parse(m.Groups["tag"].Value);
            var vr = m.Groups["vr"].Value;
            var value = m.Groups["value"].Value.TrimEnd();
            long? length = m.Groups["len"].Value == "u/l" ? null : long.Parse(m.Groups["len"].Value, CultureInfo.InvariantCulture);

            if (tag == DicomTag.ItemDelimitationItem || tag == DicomTag.SequenceDelimitationItem) continue;
            if (tag == DicomTag.Item)
            {
                var level = (indent - 2) / 4; // items sit one step (2 spaces) inside their sequence
                var (seqPath, count) = sequences[level];
                sequences[level] = (seqPath, count + 1);
                if (vr == "pi")
                {
                    entries.Add(new DumpEntry($"{seqPath}/#{count}", tag, "pi", value, length));
                    continue;
                }
                contexts.RemoveRange(level + 1, contexts.Count - level - 1);
                contexts.Add($"{seqPath}/{count}/");
                continue;
            }

            var depth = indent / 4;
            if (depth == 0 && tag.Group == 0x0002) continue; // the meta header is compared separately
            contexts.RemoveRange(depth + 1, contexts.Count - depth - 1);
            sequences.RemoveRange(Math.Min(depth, sequences.Count), sequences.Count - Math.Min(depth, sequences.Count));
            var path = contexts[depth] + tag;
            entries.Add(new DumpEntry(path, tag, vr, value, length));
            if (vr == "SQ" || value.StartsWith("(PixelSequence", StringComparison.Ordinal) || value.StartsWith("(Sequence", StringComparison.Ordinal))
                sequences.Add((path, 0));
        }
        return entries;
    }

    /// <summary>The text of a string value as printed between the brackets, or "" for "(no value available)".</summary>
    public static string StringValue(DumpEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Value.StartsWith('[') && e.Value.EndsWith(']')) return e.Value[1..^1];
        if (e.Value == "(no value available)") return "";
        throw new FormatException($"{e.Path}: '{e.Value}' is not a printed string value");
    }

    /// <summary>Number of items dcmdump reports for a sequence ("#=n").</summary>
    public static int ItemCount(DumpEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var m = ItemCountRegex().Match(e.Value);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"^(?<indent> *)\((?<tag>[0-9a-fA-F]{4},[0-9a-fA-F]{4})\) (?<vr>\S\S) (?<value>.*)# *(?<len>u/l|\d+), *(\d+|\?)( .*)?$")]
    private static partial Regex LineRegex();

    [GeneratedRegex(@"#=(\d+)")]
    private static partial Regex ItemCountRegex();
}

/// <summary>Readable differences between two dcmdump listings.</summary>
internal static class DumpDiff
{
    public static List<string> Between(IReadOnlyList<DumpEntry> expected, IReadOnlyList<DumpEntry> actual)
    {
        var problems = new List<string>();
        var n = Math.Max(expected.Count, actual.Count);
        for (var i = 0; i < n && problems.Count < 20; i++)
        {
            var e = i < expected.Count ? expected[i] : null;
            var a = i < actual.Count ? actual[i] : null;
            if (e == a) continue;
            problems.Add($"expected {Show(e)}\n      got {Show(a)}");
        }
        return problems;
    }

    private static string Show(DumpEntry? e) =>
        e is null ? "(nothing)" : $"{e.Path} {e.VR} len={e.Length?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "u/l"} {Shorten(e.Value)}";

    private static string Shorten(string s) => s.Length > 60 ? s[..60] + "..." : s;
}
