namespace DicomKit.Data;

/// <summary>The Defined Terms of PS3.3 Tables C.12-2 to C.12-5 and how a list of them becomes a character set.</summary>
public sealed partial class DicomCharacterSet
{
    /// <summary>
    /// What one term contributes: its G0 and G1 sets, whether it is an ISO 2022 term, or the .NET code page for
    /// the three terms that replace the whole repertoire (UTF-8, GB18030, GBK).
    /// </summary>
    private sealed record TermInfo(CodeElement? G0, CodeElement? G1, bool Extension, int CodePage = 0, int MaxBytesPerChar = 1);

    private static readonly Dictionary<string, TermInfo> KnownTerms = BuildTerms();

    private static Dictionary<string, TermInfo> BuildTerms()
    {
        var terms = new Dictionary<string, TermInfo>(StringComparer.Ordinal)
        {
            ["ISO_IR 6"] = new(CodeElements.Ascii, null, false),
            ["ISO 2022 IR 6"] = new(CodeElements.Ascii, null, true),
            ["ISO_IR 13"] = new(CodeElements.Romaji, CodeElements.Katakana, false),
            ["ISO 2022 IR 13"] = new(CodeElements.Romaji, CodeElements.Katakana, true),
            ["ISO 2022 IR 87"] = new(CodeElements.JisX0208, null, true),
            ["ISO 2022 IR 159"] = new(CodeElements.JisX0212, null, true),
            ["ISO 2022 IR 149"] = new(null, CodeElements.KsX1001, true),
            ["ISO 2022 IR 58"] = new(null, CodeElements.Gb2312, true),
            ["ISO_IR 192"] = new(null, null, false, 65001, 3),
            ["GB18030"] = new(null, null, false, 54936, 4),
            ["GBK"] = new(null, null, false, 936, 2),
        };
        (string Number, SingleByteCodeElement Set)[] latin =
        [
            ("100", CodeElements.Latin1), ("101", CodeElements.Latin2), ("109", CodeElements.Latin3),
            ("110", CodeElements.Latin4), ("144", CodeElements.Cyrillic), ("127", CodeElements.Arabic),
            ("126", CodeElements.Greek), ("138", CodeElements.Hebrew), ("148", CodeElements.Latin5),
            ("166", CodeElements.Thai),
        ];
        foreach (var (number, set) in latin)
        {
            terms["ISO_IR " + number] = new(CodeElements.Ascii, set, false);
            terms["ISO 2022 IR " + number] = new(CodeElements.Ascii, set, true);
        }
        return terms;
    }

    private static bool TryCreate(IReadOnlyList<string> terms, out DicomCharacterSet set, out string error)
    {
        set = Default;
        error = string.Empty;
        var trimmed = new List<string>(terms.Count);
        foreach (var term in terms)
            trimmed.Add((term ?? string.Empty).Trim(' ', '\0'));
        while (trimmed.Count > 0 && trimmed[^1].Length == 0)
            trimmed.RemoveAt(trimmed.Count - 1);
        if (trimmed.Count == 0)
            return true;

        var key = string.Join('\\', trimmed);
        if (key == "ISO_IR 192")
        {
            set = Utf8;
            return true;
        }
        if (Cache.TryGetValue(key, out var cached))
        {
            set = cached;
            return true;
        }

        var infos = new List<TermInfo>(trimmed.Count);
        for (var i = 0; i < trimmed.Count; i++)
        {
            var term = trimmed[i];
            if (term.Length == 0)
            {
                if (i == 0)
                {
                    infos.Add(KnownTerms["ISO 2022 IR 6"]);
                    continue;
                }
                error = $"Specific Character Set '{key}' has an empty value after the first";
                return false;
            }
            if (!KnownTerms.TryGetValue(term, out var info))
            {
                error = $"Unknown Specific Character Set term '{term}'";
                return false;
            }
            if (info.CodePage != 0 && trimmed.Count > 1)
            {
                error = $"Specific Character Set term '{term}' cannot be combined with other terms: it excludes code extensions (PS3.5 6.1.2.5.2)";
                return false;
            }
            infos.Add(info);
        }

        var only = infos[0];
        var created = infos.Count > 1 || only.Extension ? new DicomCharacterSet(trimmed.AsReadOnly(), infos)
            : only.CodePage != 0 ? new DicomCharacterSet(trimmed.AsReadOnly(), only.CodePage, only.MaxBytesPerChar)
            : only.G1 is SingleByteCodeElement upper ? new DicomCharacterSet(trimmed.AsReadOnly(), only.G0!, upper)
            : new DicomCharacterSet(trimmed.AsReadOnly(), Kind.Default);
        set = Cache.GetOrAdd(key, created);
        return true;
    }
}
