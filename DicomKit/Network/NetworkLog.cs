using Microsoft.Extensions.Logging;

namespace DicomKit.Network;

/// <summary>
/// Every log line of the network layer, source-generated. Never logs a patient attribute or a user identity
/// field; UIDs and AE titles are operational data and may appear.
/// </summary>
internal static partial class NetworkLog
{
    [LoggerMessage(1, LogLevel.Information, "DICOM listener {AeTitle} listening on {EndPoint}")]
    public static partial void ListenerStarted(ILogger logger, string aeTitle, string endPoint);

    [LoggerMessage(2, LogLevel.Information, "DICOM listener on {EndPoint} stopped")]
    public static partial void ListenerStopped(ILogger logger, string endPoint);

    [LoggerMessage(3, LogLevel.Information, "Association {AssociationId} from {CallingAe}@{Remote} to {CalledAe} accepted: {Accepted} of {Proposed} presentation contexts")]
    public static partial void AssociationAccepted(ILogger logger, long associationId, string callingAe, string remote, string calledAe, int accepted, int proposed);

    [LoggerMessage(4, LogLevel.Warning, "Association {AssociationId} from {CallingAe}@{Remote} to {CalledAe} rejected ({Result}, {Source}, {Reason}): {Why}")]
    public static partial void AssociationRejected(ILogger logger, long associationId, string callingAe, string remote, string calledAe, string result, string source, string reason, string why);

    [LoggerMessage(5, LogLevel.Warning, "Association {AssociationId} with {Remote}: protocol error, aborting: {Detail}")]
    public static partial void ProtocolError(ILogger logger, long associationId, string remote, string detail);

    [LoggerMessage(6, LogLevel.Information, "Association {AssociationId} with {Remote} released")]
    public static partial void Released(ILogger logger, long associationId, string remote);

    [LoggerMessage(7, LogLevel.Warning, "Association {AssociationId} with {Remote} aborted: {Detail}")]
    public static partial void Aborted(ILogger logger, long associationId, string remote, string detail);

    [LoggerMessage(8, LogLevel.Debug, "Association {AssociationId}: {State} + {Event} -> {Action} -> {Next}")]
    public static partial void Transition(ILogger logger, long associationId, string state, string @event, string action, string next);

    [LoggerMessage(9, LogLevel.Error, "Association {AssociationId}: no transition for {State} + {Event} in PS3.8 Table 9-10; aborting")]
    public static partial void InvalidTransition(ILogger logger, long associationId, string state, string @event);

    [LoggerMessage(10, LogLevel.Warning, "Association {AssociationId}: storing {SopInstanceUid} failed with status {Status}")]
    public static partial void StoreFailed(ILogger logger, long associationId, string sopInstanceUid, string status, Exception? exception);

    [LoggerMessage(11, LogLevel.Debug, "Association {AssociationId}: stored {SopInstanceUid} ({Bytes} bytes, {TransferSyntax})")]
    public static partial void Stored(ILogger logger, long associationId, string sopInstanceUid, long bytes, string transferSyntax);

    [LoggerMessage(12, LogLevel.Warning, "Connection from {Remote} refused: {Detail}")]
    public static partial void ConnectionRefused(ILogger logger, string remote, string detail);

    [LoggerMessage(13, LogLevel.Error, "Association {AssociationId} with {Remote} failed unexpectedly")]
    public static partial void AssociationFailed(ILogger logger, long associationId, string remote, Exception exception);

    [LoggerMessage(14, LogLevel.Warning, "Association {AssociationId}: {Detail}")]
    public static partial void DimseWarning(ILogger logger, long associationId, string detail);

    // Debug: a flood of idle connections would otherwise write a line per connection.
    [LoggerMessage(15, LogLevel.Debug, "A connection from {Address} that had not sent its association request was closed: more than {Limit} such connections")]
    public static partial void PendingConnectionClosed(ILogger logger, string address, int limit);

    [LoggerMessage(30, LogLevel.Warning, "Connection {AssociationId} from {Remote}: TLS handshake failed: {Detail}")]
    public static partial void TlsHandshakeFailed(ILogger logger, long associationId, string remote, string detail);

    [LoggerMessage(31, LogLevel.Warning, "Association {AssociationId}: storage commitment request answered {Status}: {Detail}")]
    public static partial void CommitmentRefused(ILogger logger, long associationId, string status, string detail);
}
