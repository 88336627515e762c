namespace DicomKit.Network.Pdus;

/// <summary>A-RELEASE-RP PDU (PS3.8 9.3.7): four reserved bytes, no parameters.</summary>
internal sealed class ReleaseRp : IWritablePdu
{
    public static readonly ReleaseRp Instance = new();

    public const int BodyLength = sizeof(uint) /* reserved */;

    public int EncodedLength => RawPdu.HeaderLength + BodyLength;

    public void Write(ref PduWriter w)
    {
        w.WritePduHeader(PduType.ReleaseRp, BodyLength);
        w.WriteZeros(BodyLength);
    }
}
