using DicomGateway.Studies;
using DicomKit.Data;
using DicomKit.Network;

namespace DicomGateway.Commitment;

/// <summary>
/// Decides, instance by instance, what a report says: committed only when the instance is durably indexed (its row in
/// the study index is written only after the blob is fsynced and the index transaction committed), failed otherwise.
/// </summary>
/// <remarks>
/// The SOP class stored with an instance is kept only inside its encrypted summary (or its sealed shipment), so it is
/// not compared here: a request naming a stored instance under another storage class is reported committed. A class
/// that is not a storage class at all fails with 0x0122.
/// </remarks>
public sealed class CommitmentEvaluator(InstanceIndex index, StudyIdentifiers identifiers)
{
    public async Task<StorageCommitmentResult> EvaluateAsync(StorageCommitmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var committed = new List<ReferencedSop>();
        var failed = new List<FailedSop>();
        foreach (var sop in request.ReferencedSops)
        {
            CommitmentFailureReason? reason;
            if (!DicomUids.IsStorageSopClass(sop.SopClassUid))
                reason = CommitmentFailureReason.ReferencedSopClassNotSupported;
            else
            {
                try
                {
                    reason = await index.FindContentHashAsync(identifiers.InstanceKey(sop.SopInstanceUid), cancellationToken).ConfigureAwait(false) is null
                        ? CommitmentFailureReason.NoSuchObjectInstance
                        : null;
                }
                catch (Microsoft.Data.Sqlite.SqliteException)
                {
                    reason = CommitmentFailureReason.ProcessingFailure;
                }
            }
            if (reason is { } r)
                failed.Add(new FailedSop(sop.SopClassUid, sop.SopInstanceUid, r));
            else
                committed.Add(sop);
        }
        return new StorageCommitmentResult(request.TransactionUid, committed, failed);
    }
}
