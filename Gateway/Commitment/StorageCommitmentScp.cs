using System.Collections.Concurrent;
using DicomGateway.Audit;
using DicomKit.Network;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Commitment;

/// <summary>
/// The gateway's side of the Storage Commitment Push Model SCP: a request is stored (encrypted) before the N-ACTION is
/// answered with success, evaluated against the study index, reported on the requester's association, and deleted
/// once the requester has answered the report. A report the association could not carry stays stored.
/// </summary>
public sealed class StorageCommitmentScp(CommitmentStore store, CommitmentEvaluator evaluator, CommitmentCompletion completion, AuditTrail audit,
    ILogger<StorageCommitmentScp> logger)
    : IStorageCommitmentHandler
{
    private readonly ConcurrentDictionary<(long AssociationId, string TransactionUid), long> _stored = new();

    public async ValueTask<DimseStatus> AcceptAsync(StorageCommitmentContext context, StorageCommitmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        long id;
        try
        {
            id = await store.AddAsync(context, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            CommitmentLog.StoreFailed(logger, context.CallingAeTitle, e);
            return DimseStatus.ProcessingFailure;
        }
        // A second request with the same Transaction UID on one association replaces the first; the first goes to the worker.
        var key = (context.AssociationId, request.TransactionUid);
        if (_stored.TryGetValue(key, out var replaced))
            await store.ReleaseAsync(replaced, cancellationToken).ConfigureAwait(false);
        _stored[key] = id;
        CommitmentLog.Accepted(logger, id, context.CallingAeTitle, request.ReferencedSops.Count);
        return DimseStatus.Success;
    }

    public async ValueTask<StorageCommitmentResult?> EvaluateAsync(StorageCommitmentContext context, StorageCommitmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        StorageCommitmentResult result;
        try
        {
            result = await evaluator.EvaluateAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // No report goes on this association: the worker must not wait for one.
            if (_stored.TryRemove((context.AssociationId, request.TransactionUid), out var id))
                await store.ReleaseAsync(id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        await CompleteStudiesAsync(context.CallingAeTitle, result, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Seals the studies the report completes; a failure here delays sealing only, never the report.</summary>
    internal async Task CompleteStudiesAsync(string callingAeTitle, StorageCommitmentResult result, CancellationToken cancellationToken)
    {
        try
        {
            await completion.ApplyAsync(callingAeTitle, result, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            CommitmentLog.CompletionFailed(logger, callingAeTitle, e.GetType().Name);
        }
    }

    public async ValueTask ReportedAsync(StorageCommitmentContext context, StorageCommitmentResult result, DimseStatus? status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(result);
        if (!_stored.TryRemove((context.AssociationId, result.TransactionUid), out var id))
            return;
        if (status is not { IsFailure: false })
        {
            CommitmentLog.NotDelivered(logger, id, context.CallingAeTitle, status?.ToString() ?? "association ended");
            await store.ReleaseAsync(id, cancellationToken).ConfigureAwait(false);
            return;
        }
        await DeliveredAsync(id, context.CallingAeTitle, context.RemoteEndPoint?.Address.ToString(), result, "same association", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Audits a delivered report and forgets its request.</summary>
    internal async Task DeliveredAsync(long id, string callingAeTitle, string? remoteHost, StorageCommitmentResult result, string how, CancellationToken cancellationToken)
    {
        await audit.RecordAsync(CommitmentAudit.Reported(callingAeTitle, remoteHost, result, how), cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
        CommitmentLog.Reported(logger, id, callingAeTitle, result.Committed.Count, result.Failed.Count);
    }
}

/// <summary>
/// The audit event of a delivered report. PS3.15 A.5.3 has no storage commitment event; the report confirms instances
/// transferred to the gateway, so it is a DICOM Instances Transferred event (110104) with action Read, counts only.
/// </summary>
internal static class CommitmentAudit
{
    public static AuditEvent Reported(string callingAeTitle, string? remoteHost, StorageCommitmentResult result, string how) => new()
    {
        EventId = AuditEventIds.InstancesTransferred,
        Action = AuditAction.Read,
        Outcome = result.Failed.Count == 0 ? AuditOutcome.Success : AuditOutcome.MinorFailure,
        ActorKind = AuditActorKind.Node,
        Actor = callingAeTitle,
        ActorAddress = remoteHost,
        Detail = new
        {
            what = "storage commitment reported",
            callingAeTitle,
            committed = result.Committed.Count,
            failed = result.Failed.Count,
            delivered = how,
        },
    };

    public static AuditEvent GaveUp(string callingAeTitle, string? remoteHost, StorageCommitmentResult result, string reason) => new()
    {
        EventId = AuditEventIds.InstancesTransferred,
        Action = AuditAction.Read,
        Outcome = AuditOutcome.SeriousFailure,
        ActorKind = AuditActorKind.Node,
        Actor = callingAeTitle,
        ActorAddress = remoteHost,
        Detail = new
        {
            what = "storage commitment report not delivered",
            callingAeTitle,
            committed = result.Committed.Count,
            failed = result.Failed.Count,
            reason,
        },
    };
}
