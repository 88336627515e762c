namespace DicomKit.Network.Pdus;

/// <summary>
/// A fatal violation of the upper-layer protocol by the peer: the association cannot continue and is
/// aborted (A-ABORT, source service-provider, with <see cref="Reason"/>). Contrast with a DIMSE failure
/// status, which is an answer on a healthy association.
/// </summary>
internal sealed class DicomProtocolException(AbortReason reason, string message) : Exception(message)
{
    public AbortReason Reason { get; } = reason;
}
