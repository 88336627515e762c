using System.Buffers;

namespace DicomKit.Network.Pdus;

/// <summary>A-ABORT source field (PS3.8 Table 9-26).</summary>
public enum AbortSource : byte
{
    ServiceUser = 0,
    Reserved = 1,
    ServiceProvider = 2,
}

/// <summary>A-ABORT reason/diag field, meaningful when the source is the service provider (PS3.8 Table 9-26).</summary>
public enum AbortReason : byte
{
    NotSpecified = 0,
    UnrecognizedPdu = 1,
    UnexpectedPdu = 2,
    UnrecognizedPduParameter = 4,
    UnexpectedPduParameter = 5,
    InvalidPduParameterValue = 6,
}

/// <summary>A-ABORT PDU (PS3.8 9.3.8).</summary>
internal sealed record AbortPdu(AbortSource Source, AbortReason Reason) : IWritablePdu
{
    public const int BodyLength = sizeof(byte) /* reserved */ + sizeof(byte) /* reserved */
        + sizeof(byte) /* source */ + sizeof(byte) /* reason/diag */;

    public int EncodedLength => RawPdu.HeaderLength + BodyLength;

    public void Write(ref PduWriter w)
    {
        w.WritePduHeader(PduType.Abort, BodyLength);
        w.WriteZeros(2);
        w.WriteByte((byte)Source);
        w.WriteByte((byte)Reason);
    }

    public static AbortPdu Parse(ReadOnlySequence<byte> body)
    {
        var r = new SequenceReader<byte>(body);
        r.Advance(2);
        r.TryRead(out var source);
        r.TryRead(out var reason);
        return new AbortPdu((AbortSource)source, (AbortReason)reason);
    }
}
