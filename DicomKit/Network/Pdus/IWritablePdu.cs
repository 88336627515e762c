namespace DicomKit.Network.Pdus;

/// <summary>A PDU that knows its exact encoded size up front, so it can be written into one pooled buffer and sent in one write.</summary>
internal interface IWritablePdu
{
    int EncodedLength { get; }
    void Write(ref PduWriter w);
}
