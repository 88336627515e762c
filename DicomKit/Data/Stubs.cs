// TEMPORARY stand-ins until the generated dictionary and the character set work are merged.
namespace DicomKit.Data;

public sealed class DicomCharacterSet
{
    public static DicomCharacterSet Default { get; } = new();
    public static DicomCharacterSet FromTerms(IReadOnlyList<string> terms) => Default;
    public string Decode(ReadOnlySpan<byte> bytes, DicomVR vr) => System.Text.Encoding.Latin1.GetString(bytes);
    public byte[] Encode(string text, DicomVR vr) => System.Text.Encoding.Latin1.GetBytes(text);
}
