namespace DicomKit.IO;

/// <summary>The two facts of a transfer syntax that the element codec needs.</summary>
internal readonly record struct DicomEncodingRules(bool ExplicitVR, bool BigEndian)
{
    public static readonly DicomEncodingRules ImplicitLittle = new(false, false);
    public static readonly DicomEncodingRules ExplicitLittle = new(true, false);

    public static DicomEncodingRules Of(DicomTransferSyntax ts) => new(ts.IsExplicitVR, ts.IsBigEndian);
}
