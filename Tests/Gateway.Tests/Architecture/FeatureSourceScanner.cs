using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Tests.Architecture;

/// <summary>
/// Reads C# source the way the compiler sees names in it: comments and string literals are blanked out first, so a
/// namespace mentioned in prose or in a string ("DicomGateway.Sms.Webhook") is not a reference.
/// </summary>
internal static partial class FeatureSourceScanner
{
    /// <summary>
    /// The feature folders a file's code names: <c>using DicomGateway.X;</c>, <c>using static DicomGateway.X...</c>,
    /// <c>using Alias = DicomGateway.X...</c> and fully qualified <c>DicomGateway.X.</c> all contain "DicomGateway.X".
    /// The file's own namespace declaration is not a reference.
    /// </summary>
    public static IReadOnlySet<string> ReferencedFolders(string source)
    {
        var code = NamespaceDeclaration().Replace(CodeOnly(source), "");
        return QualifiedName().Matches(code).Select(m => m.Groups["folder"].Value).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The namespaces a file declares (file-scoped or block), after comments and strings are removed.</summary>
    public static IReadOnlyList<string> DeclaredNamespaces(string source) =>
        [.. NamespaceDeclaration().Matches(CodeOnly(source)).Select(m => m.Groups["name"].Value)];

    /// <summary>
    /// The source with every comment, string literal (regular, verbatim, raw, interpolated) and character literal
    /// replaced by spaces; line breaks stay, so positions still match.
    /// </summary>
    public static string CodeOnly(string source)
    {
        var code = new StringBuilder(source.Length);
        var i = 0;
        while (i < source.Length)
        {
            var end = LiteralOrCommentEnd(source, i);
            if (end == i)
            {
                code.Append(source[i++]);
                continue;
            }
            for (; i < end; i++) code.Append(source[i] is '\n' or '\r' ? source[i] : ' ');
        }
        return code.ToString();
    }

    /// <summary>Where the comment or literal starting at <paramref name="i"/> ends; <paramref name="i"/> itself when none starts there.</summary>
    private static int LiteralOrCommentEnd(string s, int i)
    {
        if (At(s, i, "//")) return IndexOrEnd(s, '\n', i);
        if (At(s, i, "/*")) return s.IndexOf("*/", i + 2, StringComparison.Ordinal) is var close and >= 0 ? close + 2 : s.Length;
        if (s[i] == '\'') return CharLiteralEnd(s, i);
        var prefix = i;
        while (prefix < s.Length && s[prefix] is '$' or '@') prefix++;
        if (prefix >= s.Length || s[prefix] != '"') return i;
        var quotes = 0;
        while (prefix + quotes < s.Length && s[prefix + quotes] == '"') quotes++;
        if (quotes >= 3) return RawStringEnd(s, prefix, quotes);
        var verbatim = s.AsSpan(i, prefix - i).Contains('@');
        return verbatim ? VerbatimStringEnd(s, prefix + 1) : RegularStringEnd(s, prefix + 1);
    }

    private static int RegularStringEnd(string s, int i)
    {
        for (; i < s.Length && s[i] != '\n'; i++)
        {
            if (s[i] == '\\') i++;
            else if (s[i] == '"') return i + 1;
        }
        return i;
    }

    private static int VerbatimStringEnd(string s, int i)
    {
        for (; i < s.Length; i++)
        {
            if (s[i] != '"') continue;
            if (i + 1 < s.Length && s[i + 1] == '"') i++;
            else return i + 1;
        }
        return s.Length;
    }

    private static int RawStringEnd(string s, int open, int quotes)
    {
        var delimiter = new string('"', quotes);
        var close = s.IndexOf(delimiter, open + quotes, StringComparison.Ordinal);
        return close < 0 ? s.Length : close + quotes;
    }

    private static int CharLiteralEnd(string s, int i)
    {
        var j = i + 1;
        if (j < s.Length && s[j] == '\\') j += 2;
        else j++;
        while (j < s.Length && s[j] != '\'' && s[j] != '\n' && j - i < 12) j++;
        return j < s.Length && s[j] == '\'' ? j + 1 : i + 1;
    }

    private static bool At(string s, int i, string what) => string.CompareOrdinal(s, i, what, 0, what.Length) == 0;

    private static int IndexOrEnd(string s, char c, int from) => s.IndexOf(c, from) is var at and >= 0 ? at : s.Length;

    [GeneratedRegex(@"(?<![\w.])(?:global::)?DicomGateway\s*\.\s*(?<folder>[A-Za-z_]\w*)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"\bnamespace\s+(?<name>[\w.]+)\s*[;{]")]
    private static partial Regex NamespaceDeclaration();
}
