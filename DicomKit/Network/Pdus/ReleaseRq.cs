namespace DicomKit.Network.Pdus;

/// <summary>A-RELEASE-RQ PDU (PS3.8 9.3.6): four reserved bytes, no parameters.</summary>
internal sealed class ReleaseRq : IWritablePdu
{
    public static readonly ReleaseRq Instance = new();

    public const int BodyLength = sizeof(uint) /* reserved */;

    public int EncodedLength => RawPdu.HeaderLength + BodyLength;

    public void Write(ref PduWriter w)
    {
        w.WritePduHeader(PduType.ReleaseRq, BodyLength);
        w.WriteZeros(BodyLength);
    }
}
