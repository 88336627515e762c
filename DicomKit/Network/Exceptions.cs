using DicomKit.Network.Pdus;

namespace DicomKit.Network;

/// <summary>
/// The association could not be used: it was aborted, the connection dropped, or the peer broke the protocol.
/// A DIMSE failure status is never reported this way; it is a result.
/// </summary>
public class DicomNetworkException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The association ended abnormally (A-ABORT either way, or loss of the connection).</summary>
public sealed class DicomAssociationAbortedException(string message) : DicomNetworkException(message);

/// <summary>The acceptor answered A-ASSOCIATE-RJ; the three fields say why (PS3.8 Table 9-21).</summary>
public sealed class DicomAssociationRejectedException(RejectResult result, RejectSource source, RejectReason reason)
    : DicomNetworkException($"association rejected: result {result}, source {source}, reason {(byte)reason}")
{
    public RejectResult RejectResult { get; } = result;
    public RejectSource RejectSource { get; } = source;
    public RejectReason RejectReason { get; } = reason;
}

/// <summary>
/// No accepted presentation context fits the request (SOP class and transfer syntax). A local decision, not an
/// answer from the peer: the caller may transcode to an accepted syntax and try again.
/// </summary>
public sealed class DicomPresentationContextException(string sopClassUid, string transferSyntaxUid)
    : DicomNetworkException($"no accepted presentation context for SOP class {sopClassUid} in transfer syntax {transferSyntaxUid}")
{
    public string SopClassUid { get; } = sopClassUid;
    public string TransferSyntaxUid { get; } = transferSyntaxUid;
}
