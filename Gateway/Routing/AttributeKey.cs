using System.Globalization;
using DicomKit.Data;

namespace DicomGateway.Routing;

/// <summary>Turns the key of <see cref="RuleMatch.Attributes"/> into a tag: a PS3.6 keyword, or a tag written "(gggg,eeee)", "gggg,eeee" or "ggggeeee".</summary>
internal static class AttributeKey
{
    public static bool TryResolve(string? key, out DicomTag tag)
    {
        tag = default;
        if (string.IsNullOrWhiteSpace(key)) return false;
        var text = key.Trim();
        if (DicomDictionary.TryGetByKeyword(text, out var entry))
        {
            tag = entry.Tag;
            return true;
        }
        return TryParseTag(text, out tag);
    }

    /// <summary>The dictionary entry's VR when one is known: routing refuses keys it could never match (sequences, bulk data).</summary>
    public static bool TryGetDictionaryVR(DicomTag tag, out DicomVR vr)
    {
        var entry = DicomDictionary.Lookup(tag);
        vr = entry?.DefaultVR ?? default;
        return entry is not null;
    }

    private static bool TryParseTag(string text, out DicomTag tag)
    {
        tag = default;
        var t = text;
        if (t.StartsWith('(') && t.EndsWith(')')) t = t[1..^1];
        if (t.Length == 9 && t[4] == ',') t = string.Concat(t.AsSpan(0, 4), t.AsSpan(5));
        if (t.Length != 8) return false;
        foreach (var c in t)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }
        tag = DicomTag.FromValue(uint.Parse(t, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        return true;
    }
}
