using DicomGateway.Nodes;
using DicomGateway.Studies;
using DicomKit.Network;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Commitment;

/// <summary>
/// Storage commitment as the end of a study: a requester that asks for commitment of every instance of a study it
/// sent says the study is complete, so the study is marked for sealing at once instead of after
/// Shipments:StableStudySeconds. A node whose <see cref="Node.SealOnCommitment"/> is false opts out (its modality
/// asks for commitment per series, say); a requester that is not a registered node is taken at its word.
/// </summary>
public sealed class CommitmentCompletion(NodeStore nodes, StudyStore studies, StudyIdentifiers identifiers, TimeProvider time, ILogger<CommitmentCompletion> logger)
{
    /// <summary>Marks the studies the report's committed instances complete; returns how many were marked.</summary>
    public async Task<int> ApplyAsync(string callingAeTitle, StorageCommitmentResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callingAeTitle);
        ArgumentNullException.ThrowIfNull(result);
        if (result.Committed.Count == 0) return 0;
        var node = (await nodes.ListAsync(cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(n => string.Equals(n.AeTitle.Trim(), callingAeTitle.Trim(), StringComparison.Ordinal));
        if (node is { SealOnCommitment: false }) return 0;
        var keys = result.Committed.Select(s => identifiers.InstanceKey(s.SopInstanceUid)).ToList();
        var marked = await studies.MarkCommittedAsync(keys, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        foreach (var studyId in marked) CommitmentLog.StudyComplete(logger, studyId, callingAeTitle);
        return marked.Count;
    }
}
