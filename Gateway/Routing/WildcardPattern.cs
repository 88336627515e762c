namespace DicomGateway.Routing;

/// <summary>
/// The wildcards of C-FIND matching (PS3.4 C.2.2.2.4): <c>*</c> matches any run of characters, including none, and
/// <c>?</c> matches exactly one character. Letters compare case-insensitively (invariant culture): administrators
/// write "*HEART*" and modalities send "Heart CT", and a routing rule that silently misses a study because of case is
/// worse than one that is a little generous. (C-FIND is case-sensitive except for PN; routing deliberately is not.)
/// </summary>
/// <remarks>
/// No regular expressions: the pattern is cut at its stars into segments; the first segment is anchored at the start,
/// the last at the end, and each middle segment is placed at its leftmost fit after the previous one. Leftmost is always
/// the right choice (it leaves the most room for what follows), so there is no backtracking, and the work is at most
/// text length × segment length: linear in the text, with the pattern bounded to <see cref="MaxLength"/> characters.
/// Characters are UTF-16 code units; a <c>?</c> stands for one of them.
/// </remarks>
public static class WildcardPattern
{
    /// <summary>The longest pattern a rule may hold: the longest value of an LO element (PS3.5 6.2).</summary>
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="text"/> matches <paramref name="pattern"/> as a whole. An empty pattern matches only empty text.</summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text) => IsMatch(pattern, text, ignoreCase: true);

    /// <summary>
    /// As <see cref="IsMatch(ReadOnlySpan{char}, ReadOnlySpan{char})"/>, with case significant when <paramref name="ignoreCase"/>
    /// is false (AE titles are case-sensitive, PS3.5 6.2).
    /// </summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, bool ignoreCase)
    {
        if (pattern.Length > MaxLength)
            throw new ArgumentException($"A pattern is at most {MaxLength} characters", nameof(pattern));

        var firstStar = pattern.IndexOf('*');
        if (firstStar < 0) return text.Length == pattern.Length && SegmentMatchesAt(pattern, text, ignoreCase);

        var head = pattern[..firstStar];
        var lastStar = pattern.LastIndexOf('*');
        var tail = pattern[(lastStar + 1)..];
        if (text.Length < head.Length + tail.Length) return false;
        if (!SegmentMatchesAt(head, text, ignoreCase) || !SegmentMatchesAt(tail, text[^tail.Length..], ignoreCase)) return false;

        // The middle, between the first and the last star, is placed left to right within what head and tail left over.
        var middle = firstStar == lastStar ? [] : pattern[(firstStar + 1)..lastStar];
        var rest = text[head.Length..(text.Length - tail.Length)];
        while (!middle.IsEmpty)
        {
            var star = middle.IndexOf('*');
            var segment = star < 0 ? middle : middle[..star];
            middle = star < 0 ? [] : middle[(star + 1)..];
            if (segment.IsEmpty) continue; // "**" is one star
            var at = LeftmostFit(segment, rest, ignoreCase);
            if (at < 0) return false;
            rest = rest[(at + segment.Length)..];
        }
        return true;
    }

    /// <summary>Whether <paramref name="segment"/> (no stars) matches the start of <paramref name="text"/>, which is at least as long.</summary>
    private static bool SegmentMatchesAt(ReadOnlySpan<char> segment, ReadOnlySpan<char> text, bool ignoreCase)
    {
        for (var i = 0; i < segment.Length; i++)
        {
            var p = segment[i];
            if (p != '?' && p != text[i] && (!ignoreCase || char.ToUpperInvariant(p) != char.ToUpperInvariant(text[i]))) return false;
        }
        return true;
    }

    private static int LeftmostFit(ReadOnlySpan<char> segment, ReadOnlySpan<char> text, bool ignoreCase)
    {
        for (var at = 0; at + segment.Length <= text.Length; at++)
        {
            if (SegmentMatchesAt(segment, text[at..], ignoreCase)) return at;
        }
        return -1;
    }
}
