namespace DicomKit.Data;

/// <summary>Decoding and encoding of string values: padding rules of PS3.5 6.2 and backslash multiplicity.</summary>
internal static class DicomValueText
{
    public static string Decode(DicomElement e, DicomCharacterSet charset)
    {
        var bytes = e.Value.Memory.Span;
        var text = e.VR.IsString || e.VR == DicomVR.UN || e.VR == DicomVR.OB
            ? (e.VR.IsCharacterSetDependent ? charset.Decode(bytes, e.VR) : AsciiOrLatin1(bytes))
            : AsciiOrLatin1(bytes);
        return Trim(text, e.VR);
    }

    public static string[] DecodeValues(DicomElement e, DicomCharacterSet charset)
    {
        var bytes = e.Value.Memory.Span;
        if (bytes.IsEmpty) return [];
        var text = e.VR.IsCharacterSetDependent ? charset.Decode(bytes, e.VR) : AsciiOrLatin1(bytes);
        if (e.VR.IsSingleValuedString) return [Trim(text, e.VR)];
        var parts = text.Split('\\');
        for (var i = 0; i < parts.Length; i++) parts[i] = Trim(parts[i], e.VR);
        return parts;
    }

    public static byte[] Encode(IReadOnlyList<string> values, DicomVR vr, DicomCharacterSet charset)
    {
        var joined = values.Count == 1 ? values[0] : string.Join('\\', values);
        var bytes = vr.IsCharacterSetDependent ? charset.Encode(joined, vr) : System.Text.Encoding.ASCII.GetBytes(joined);
        if ((bytes.Length & 1) == 0) return bytes;
        var padded = new byte[bytes.Length + 1];
        bytes.CopyTo(padded, 0);
        padded[^1] = vr.PaddingByte;
        return padded;
    }

    private static string AsciiOrLatin1(ReadOnlySpan<byte> bytes) => System.Text.Encoding.Latin1.GetString(bytes);

    /// <summary>Leading spaces are significant only in LT, ST, UT and UC; trailing padding never is.</summary>
    public static string Trim(string s, DicomVR vr)
    {
        if (vr == DicomVR.UI) return s.TrimEnd('\0', ' ');
        if (vr == DicomVR.LT || vr == DicomVR.ST || vr == DicomVR.UT || vr == DicomVR.UC || vr == DicomVR.UR)
            return s.TrimEnd(' ', '\0');
        return s.Trim(' ', '\0');
    }
}
