using DicomGateway.Audit;
using DicomGateway.Hosting;
using DicomGateway.Nodes;
using DicomKit.Network;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Commitment;

/// <summary>
/// Delivers the reports their own association could not carry (released early, or a restart in between): a new
/// association to the requester's node registry entry, proposing the Storage Commitment SOP class with us as SCP
/// (SCP/SCU Role Selection, PS3.7 D.3.3.4), with bounded retries and backoff.
/// </summary>
public sealed class CommitmentDelivery(CommitmentStore store, StorageCommitmentScp scp, CommitmentEvaluator evaluator, NodeStore nodes, NodeTls tls,
    IOptions<StorageCommitmentOptions> options, IOptions<DicomListenerOptions> listener, AuditTrail audit, TimeProvider time, ILoggerFactory loggerFactory)
    : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<CommitmentDelivery>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        do
        {
            try
            {
                await DeliverDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                CommitmentLog.DeliveryRoundFailed(_logger, e.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One round: every due request that is not claimed by its own live association (<see cref="CommitmentStore.PendingAsync"/>).</summary>
    public async Task DeliverDueAsync(CancellationToken cancellationToken)
    {
        foreach (var pending in await store.PendingAsync(cancellationToken, time.GetUtcNow()).ConfigureAwait(false))
            await DeliverAsync(pending, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeliverAsync(CommitmentStore.Stored pending, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var result = await evaluator.EvaluateAsync(pending.Request, cancellationToken).ConfigureAwait(false);
        if (pending.Attempts == 0)
            await scp.CompleteStudiesAsync(pending.CallingAeTitle, result, cancellationToken).ConfigureAwait(false);
        string failure;
        var node = (await nodes.ListAsync(cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(n => string.Equals(n.AeTitle.Trim(), pending.CallingAeTitle.Trim(), StringComparison.Ordinal));
        if (node is null)
            failure = "the requester is not in the node registry";
        else
        {
            try
            {
                using var lease = tls.For(node.AeTitle, node.Tls);
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bound.CancelAfter(o.ResponseTimeout * 2);
                await using var association = await DicomClient.AssociateAsync(new DicomClientOptions
                {
                    Host = node.Host,
                    Port = node.Port,
                    CalledAeTitle = node.AeTitle,
                    CallingAeTitle = listener.Value.AeTitle.Trim(),
                    ResponseTimeout = o.ResponseTimeout,
                    Tls = lease?.Options,
                }, [PresentationContextProposal.StorageCommitment with { RequestorIsScp = true }], loggerFactory, time, bound.Token).ConfigureAwait(false);
                var status = await association.ReportStorageCommitmentAsync(result, bound.Token).ConfigureAwait(false);
                await association.ReleaseAsync(bound.Token).ConfigureAwait(false);
                if (!status.IsFailure)
                {
                    await scp.DeliveredAsync(pending.Id, pending.CallingAeTitle, node.Host, result, "new association", cancellationToken).ConfigureAwait(false);
                    return;
                }
                failure = "the requester answered " + status;
            }
            catch (Exception e) when (e is DicomNetworkException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                failure = e.GetType().Name;
            }
        }
        var attempts = pending.Attempts + 1;
        if (attempts >= o.MaxAttempts)
        {
            CommitmentLog.GaveUp(_logger, pending.Id, pending.CallingAeTitle, attempts, failure);
            await audit.RecordAsync(CommitmentAudit.GaveUp(pending.CallingAeTitle, pending.RemoteHost, result, failure), cancellationToken).ConfigureAwait(false);
            await store.DeleteAsync(pending.Id, cancellationToken).ConfigureAwait(false);
            return;
        }
        CommitmentLog.DeliveryFailed(_logger, pending.Id, pending.CallingAeTitle, attempts, failure);
        var next = time.GetUtcNow() + new Backoff(o.RetryBase, o.RetryMax, Jitter: 0.2).Delay(attempts);
        await store.CountAttemptAsync(pending.Id, next, cancellationToken).ConfigureAwait(false);
    }
}
