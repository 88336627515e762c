// TEMPORARY stand-ins until the generated dictionary and the character set work are merged.
namespace DicomKit.Data;

public static partial class DicomDictionary
{
    public static DicomVR GetDefaultVR(DicomTag tag)
    {
        if (tag.Element == 0) return DicomVR.UL;
        if (tag.IsPrivateCreator) return DicomVR.LO;
        return tag.Value switch
        {
            0x00020001 => DicomVR.OB,
            0x00080005 => DicomVR.CS,
            0x00080016 or 0x00080018 or 0x0020000D or 0x0020000E or 0x00020002 or 0x00020003 or 0x00020010 or 0x00020012 => DicomVR.UI,
            0x00100010 => DicomVR.PN,
            0x00280010 or 0x00280011 or 0x00280100 or 0x00280101 or 0x00280102 or 0x00280103 or 0x00280002 => DicomVR.US,
            0x7FE00010 => DicomVR.OW,
            _ => DicomVR.UN,
        };
    }
}

public sealed class DicomCharacterSet
{
    public static DicomCharacterSet Default { get; } = new();
    public static DicomCharacterSet FromTerms(IReadOnlyList<string> terms) => Default;
    public string Decode(ReadOnlySpan<byte> bytes, DicomVR vr) => System.Text.Encoding.Latin1.GetString(bytes);
    public byte[] Encode(string text, DicomVR vr) => System.Text.Encoding.Latin1.GetBytes(text);
}
