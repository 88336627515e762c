using System.Diagnostics;
using DicomKit.Network;
using DicomKit.Network.Pdus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Nodes;

/// <summary>The C-ECHO button: associates with a node from the gateway's own AE title and sends one C-ECHO.</summary>
public sealed partial class NodeVerifier(NodeStore nodes, IOptions<DicomListenerOptions> listener, ILoggerFactory loggerFactory, TimeProvider time,
    ILogger<NodeVerifier> logger, NodeTls? tls = null)
{
    /// <summary>What the administrator sees after pressing the button.</summary>
    public sealed record EchoResult(bool Ok, long Milliseconds, string Message);

    /// <summary>The whole test (connect, negotiate, C-ECHO, release) ends within this time.</summary>
    internal TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Tests node <paramref name="id"/> and records the outcome on it; null when there is no such node.</summary>
    public async Task<EchoResult?> EchoAsync(long id, CancellationToken cancellationToken)
    {
        var node = await nodes.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (node is null) return null;
        var result = await EchoAsync(node.AeTitle, node.Host, node.Port, node.Tls, cancellationToken).ConfigureAwait(false);
        await nodes.RecordEchoAsync(id, result.Ok, result.Message, CancellationToken.None).ConfigureAwait(false);
        LogEcho(id, node.AeTitle, result.Ok, result.Milliseconds, result.Message);
        return result;
    }

    private async Task<EchoResult> EchoAsync(string aeTitle, string host, int port, bool nodeTls, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        long Elapsed() => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(Timeout);
        using var lease = tls?.For(aeTitle, nodeTls);
        var options = new DicomClientOptions
        {
            Host = host,
            Port = port,
            CalledAeTitle = aeTitle,
            CallingAeTitle = listener.Value.AeTitle.Trim(),
            ResponseTimeout = Timeout,
            ArtimTimeout = TimeSpan.FromSeconds(2),
            Tls = lease?.Options,
        };
        try
        {
            await using var association = await DicomClient.AssociateAsync(options, [PresentationContextProposal.Verification], loggerFactory, time, bounded.Token)
                .ConfigureAwait(false);
            var status = await association.EchoAsync(bounded.Token).ConfigureAwait(false);
            await association.ReleaseAsync(bounded.Token).ConfigureAwait(false);
            return status.IsSuccess
                ? new EchoResult(true, Elapsed(), $"C-ECHO succeeded ({aeTitle} at {host}:{port}{(lease is null ? "" : ", over TLS")})")
                : new EchoResult(false, Elapsed(), $"{aeTitle} answered the C-ECHO with status {status}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new EchoResult(false, Elapsed(), $"No answer from {host}:{port} within {Timeout.TotalSeconds:0} s");
        }
        catch (DicomNetworkException e)
        {
            return new EchoResult(false, Elapsed(), DescribeFailure(e, aeTitle, host, port));
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            return new EchoResult(false, Elapsed(), $"The connection to {host}:{port} failed ({e.GetType().Name})");
        }
    }

    /// <summary>A failure to associate or to talk, in words for an administrator (no exception texts of the stack).</summary>
    public static string DescribeFailure(DicomNetworkException exception, string aeTitle, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            DicomAssociationRejectedException rj => $"{aeTitle} at {host}:{port} rejected the association ({RejectText(rj)}, {(rj.RejectResult == RejectResult.Permanent ? "permanent" : "transient")})",
            DicomAssociationAbortedException ab => $"The association with {aeTitle} at {host}:{port} was aborted: {ab.Message}",
            DicomPresentationContextException pc => $"{aeTitle} at {host}:{port} accepted no presentation context for SOP class {pc.SopClassUid} in transfer syntax {pc.TransferSyntaxUid}",
            _ when exception.Message.StartsWith("cannot connect", StringComparison.Ordinal) => $"Cannot connect to {host}:{port} (connection refused, or the host is unreachable)",
            _ when exception.Message.Contains("has no address", StringComparison.Ordinal) => $"The host name {host} does not resolve",
            _ => $"The association with {aeTitle} at {host}:{port} failed: {exception.Message}",
        };
    }

    private static string RejectText(DicomAssociationRejectedException rj) => (rj.RejectSource, (byte)rj.RejectReason) switch
    {
        (RejectSource.ServiceUser, 3) => "calling AE title not recognized: the destination does not know the gateway's AE title",
        (RejectSource.ServiceUser, 7) => "called AE title not recognized: check the node's AE title",
        (RejectSource.ServiceUser, 2) => "application context name not supported",
        (RejectSource.ServiceUser, _) => "no reason given",
        (RejectSource.ServiceProviderAcse, 2) => "protocol version not supported",
        (RejectSource.ServiceProviderAcse, _) => "no reason given by the ACSE provider",
        (RejectSource.ServiceProviderPresentation, 1) => "temporary congestion",
        (RejectSource.ServiceProviderPresentation, 2) => "local limit exceeded: the destination is busy",
        _ => $"source {(byte)rj.RejectSource}, reason {(byte)rj.RejectReason}",
    };

    [LoggerMessage(EventId = 8004, Level = LogLevel.Information, Message = "C-ECHO test of node {NodeId} ({AeTitle}): ok {Ok} in {Milliseconds} ms: {Message}")]
    private partial void LogEcho(long nodeId, string aeTitle, bool ok, long milliseconds, string message);
}
