using System.Net;

namespace DicomKit.Network;

/// <summary>The Storage Commitment Push Model SOP class and its well-known instance (PS3.4 J.3.5, PS3.6 Annex A).</summary>
public static class StorageCommitmentUids
{
    public const string SopClass = "1.2.840.10008.1.20.1";
    public const string WellKnownInstance = "1.2.840.10008.1.20.1.1";

    /// <summary>Action Type ID of "Request Storage Commitment" (PS3.4 J.3.2.1).</summary>
    public const ushort RequestActionTypeId = 1;

    /// <summary>Event Type ID of a report where every instance is committed (PS3.4 J.3.3.1).</summary>
    public const ushort AllCommittedEventTypeId = 1;

    /// <summary>Event Type ID of a report with at least one failed instance.</summary>
    public const ushort SomeFailedEventTypeId = 2;
}

/// <summary>Failure Reason (0008,1197) values a commitment report gives for an instance (PS3.4 J.3.2.2, Annex C.14).</summary>
public enum CommitmentFailureReason : ushort
{
    ProcessingFailure = 0x0110,
    NoSuchObjectInstance = 0x0112,
    ResourceLimitation = 0x0213,
    ReferencedSopClassNotSupported = 0x0122,
    ClassInstanceConflict = 0x0119,
    DuplicateTransactionUid = 0x0131,
}

/// <summary>One instance a commitment names: the SOP Class UID and SOP Instance UID pair of a Referenced SOP Sequence item.</summary>
public sealed record ReferencedSop(string SopClassUid, string SopInstanceUid);

/// <summary>A Referenced SOP the commitment SCP could not commit, with its reason.</summary>
public sealed record FailedSop(string SopClassUid, string SopInstanceUid, CommitmentFailureReason Reason);

/// <summary>The action information of a Storage Commitment request (PS3.4 Table J.3-1).</summary>
public sealed record StorageCommitmentRequest(string TransactionUid, IReadOnlyList<ReferencedSop> ReferencedSops);

/// <summary>The event information of a Storage Commitment report (PS3.4 Table J.3-2).</summary>
public sealed record StorageCommitmentResult(string TransactionUid, IReadOnlyList<ReferencedSop> Committed, IReadOnlyList<FailedSop> Failed)
{
    public ushort EventTypeId => Failed.Count == 0 ? StorageCommitmentUids.AllCommittedEventTypeId : StorageCommitmentUids.SomeFailedEventTypeId;
}

/// <summary>Who asked for a commitment, as the SCP saw the association that carried it.</summary>
public sealed record StorageCommitmentContext(long AssociationId, string CallingAeTitle, string CalledAeTitle, IPEndPoint? RemoteEndPoint);

/// <summary>
/// The owner's side of the Storage Commitment Push Model SCP (PS3.4 Annex J). The listener accepts the SOP class
/// only when <see cref="DicomListenerOptions.StorageCommitmentHandler"/> is set. For each valid N-ACTION the session calls
/// <see cref="AcceptAsync"/> (persist before the answer: a success status promises a report), answers the N-ACTION-RSP,
/// then calls <see cref="EvaluateAsync"/> and sends the report as N-EVENT-REPORT-RQ on the same association; the
/// outcome of that attempt comes back through <see cref="ReportedAsync"/>. Everything runs on the association's
/// sequential loop: answer promptly.
/// </summary>
public interface IStorageCommitmentHandler
{
    /// <summary>Records the request durably; returns the N-ACTION status (success, or a failure such as 0x0110 or 0x0213).</summary>
    ValueTask<DimseStatus> AcceptAsync(StorageCommitmentContext context, StorageCommitmentRequest request, CancellationToken cancellationToken);

    /// <summary>The report for an accepted request, or null when it is not ready yet (the owner then delivers it later).</summary>
    ValueTask<StorageCommitmentResult?> EvaluateAsync(StorageCommitmentContext context, StorageCommitmentRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the report reached the requester on its own association: <paramref name="status"/> is the N-EVENT-REPORT-RSP
    /// status, or null when the association ended first (the owner then delivers it on a new association).
    /// </summary>
    ValueTask ReportedAsync(StorageCommitmentContext context, StorageCommitmentResult result, DimseStatus? status, CancellationToken cancellationToken);
}
