using System.Buffers;

namespace DicomKit.Network.Pdus;

/// <summary>A-ASSOCIATE-RJ result (PS3.8 Table 9-21).</summary>
public enum RejectResult : byte
{
    Permanent = 1,
    Transient = 2,
}

/// <summary>A-ASSOCIATE-RJ source (PS3.8 Table 9-21).</summary>
public enum RejectSource : byte
{
    ServiceUser = 1,
    ServiceProviderAcse = 2,
    ServiceProviderPresentation = 3,
}

/// <summary>
/// A-ASSOCIATE-RJ reason/diag (PS3.8 Table 9-21). The same number means different things for different
/// sources, so the names carry the source they belong to.
/// </summary>
public enum RejectReason : byte
{
    /// <summary>1, for source 1 (service user) or 2 (ACSE).</summary>
    NoReasonGiven = 1,
    /// <summary>2, source 1.</summary>
    ApplicationContextNameNotSupported = 2,
    /// <summary>3, source 1.</summary>
    CallingAeTitleNotRecognized = 3,
    /// <summary>7, source 1.</summary>
    CalledAeTitleNotRecognized = 7,
    /// <summary>2, source 2 (ACSE).</summary>
    ProtocolVersionNotSupported = 2,
    /// <summary>1, source 3 (presentation).</summary>
    TemporaryCongestion = 1,
    /// <summary>2, source 3 (presentation).</summary>
    LocalLimitExceeded = 2,
}

/// <summary>A-ASSOCIATE-RJ PDU (PS3.8 9.3.4).</summary>
internal sealed record AssociateRj(RejectResult Result, RejectSource Source, RejectReason Reason) : IWritablePdu
{
    public const int BodyLength = sizeof(byte) /* reserved */ + sizeof(byte) /* result */
        + sizeof(byte) /* source */ + sizeof(byte) /* reason/diag */;

    public int EncodedLength => RawPdu.HeaderLength + BodyLength;

    public void Write(ref PduWriter w)
    {
        w.WritePduHeader(PduType.AssociateRj, BodyLength);
        w.WriteByte(0);
        w.WriteByte((byte)Result);
        w.WriteByte((byte)Source);
        w.WriteByte((byte)Reason);
    }

    public static AssociateRj Parse(ReadOnlySequence<byte> body)
    {
        var r = new SequenceReader<byte>(body);
        r.Advance(1);
        r.TryRead(out var result);
        r.TryRead(out var source);
        r.TryRead(out var reason);
        return new AssociateRj((RejectResult)result, (RejectSource)source, (RejectReason)reason);
    }
}
