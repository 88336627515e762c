using System.Net;
using System.Security.Cryptography.X509Certificates;
using DicomKit.Network.Dimse;
using DicomKit.Network.Pdus;
using DicomKit.Network.UpperLayer;
using Microsoft.Extensions.Logging;

namespace DicomKit.Network.Services;

/// <summary>
/// The acceptor side of one connection: reads events, dispatches them to the state machine, and answers the
/// indications — association requests (<see cref="ScpNegotiation"/>), P-DATA (verification and storage,
/// in ScpSession.Dimse.cs), release and abort. One sequential loop per connection.
/// </summary>
internal sealed partial class ScpSession
{
    private readonly AssociationMachine _machine;
    private readonly DicomListenerOptions _options;
    private readonly IStorageSink _sink;
    private readonly ILogger _logger;
    private readonly IPEndPoint? _remote;
    private readonly X509Certificate2? _certificate;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly System.Action _requestComplete;
    private readonly Func<AssociateRq, string?> _admit;
    private readonly CommandAssembler _commands = new();
    private readonly Dictionary<byte, (string AbstractSyntax, string TransferSyntax)> _contexts = [];
    private DimseChannel? _channel;
    private IncomingStore? _current;

    public ScpSession(AssociationMachine machine, IPEndPoint? remote, DicomListenerOptions options, IStorageSink sink, ILogger logger,
        Func<string, CancellationToken, Task<IPAddress[]>> resolve, System.Action requestComplete, Func<AssociateRq, string?> admit,
        X509Certificate2? certificate = null)
    {
        _certificate = certificate;
        _machine = machine;
        _remote = remote;
        _options = options;
        _sink = sink;
        _logger = logger;
        _resolve = resolve;
        _requestComplete = requestComplete;
        _admit = admit;
    }

    private long Id => _machine.Id;

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await _machine.DispatchAsync(new Input(Event.Evt5), ct).ConfigureAwait(false);
            while (_machine.State != State.Sta1)
            {
                var input = await _machine.ReadNextAsync(ct).ConfigureAwait(false);
                if (input.Event == Event.Evt19)
                    NetworkLog.ProtocolError(_logger, Id, _machine.Remote, input.Detail ?? "invalid PDU");
                if (input.IsTimeout)
                    NetworkLog.Aborted(_logger, Id, _machine.Remote, input.Detail ?? "idle timeout");
                var before = _machine.State;
                var wasEstablished = IsEstablished(before);
                await _machine.DispatchAsync(input, ct).ConfigureAwait(false);
                if (before == State.Sta2 && _machine.State == State.Sta13 && input.Event != Event.Evt19)
                    NetworkLog.ProtocolError(_logger, Id, _machine.Remote, _machine.AbortDetail ?? $"{input.Event} before A-ASSOCIATE-RQ");
                switch (_machine.Indication)
                {
                    case Indication.AssociateRequested:
                        await AnswerAssociationAsync(ct).ConfigureAwait(false);
                        break;
                    case Indication.AssociateRejected:
                        LogRejected(_machine.Reject!, "protocol version or application context not supported");
                        break;
                    case Indication.Data:
                        await OnDataAsync(input, ct).ConfigureAwait(false);
                        break;
                    case Indication.ReleaseRequested:
                        await AbandonCurrentAsync().ConfigureAwait(false);
                        await AbandonReportAsync().ConfigureAwait(false);
                        await _machine.DispatchAsync(new Input(Event.Evt14), ct).ConfigureAwait(false);
                        NetworkLog.Released(_logger, Id, _machine.Remote);
                        break;
                    case Indication.Aborted:
                        await AbandonCurrentAsync().ConfigureAwait(false);
                        await AbandonReportAsync().ConfigureAwait(false);
                        if (wasEstablished && input.Event != Event.Evt19)
                            NetworkLog.Aborted(_logger, Id, _machine.Remote, _machine.AbortDetail ?? input.Event.ToString());
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The listener is stopping: tell an established peer, then let the connection go.
            if (IsEstablished(_machine.State))
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _machine.DispatchAsync(new Input(Event.Evt15) { Detail = "listener stopping" }, cts.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            await AbandonCurrentAsync().ConfigureAwait(false);
            await AbandonReportAsync().ConfigureAwait(false);
            _channel?.Dispose();
            _machine.CloseTransport();
        }
    }

    private static bool IsEstablished(State s) => s is >= State.Sta6 and <= State.Sta12;

    private async ValueTask AnswerAssociationAsync(CancellationToken ct)
    {
        var rq = _machine.Request!;
        // The connection stops being pending whatever the answer; the caller is checked before it takes an association
        // slot (_admit), so a refused caller never holds one.
        _requestComplete();
        var refusal = await ScpNegotiation.CheckCallerAsync(rq, _options, _remote?.Address, _resolve, ct, _certificate).ConfigureAwait(false);
        // Only a caller refused for who it is is reported; one refused for a full listener is not an authentication event.
        var callerRefused = refusal is not null;
        if (refusal is null && _admit(rq) is { } full)
            refusal = (new AssociateRj(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded), full, null);
        if (refusal is null && _options.StorageUnavailable?.Invoke() is { } unavailable
            && rq.PresentationContexts.Any(pc => pc.AbstractSyntax != KnownUids.Verification))
            refusal = (new AssociateRj(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded), unavailable, null);
        if (refusal is { } r)
        {
            _machine.Reject = r.Reject;
            LogRejected(r.Reject, r.Why);
            if (callerRefused)
                _options.CallerRefused?.Invoke(new CallerRefusal(rq.CallingAeTitle, rq.CalledAeTitle, _remote?.Address, (byte)r.Reject.Reason, r.Why, r.Status));
            await _machine.DispatchAsync(new Input(Event.Evt8), ct).ConfigureAwait(false);
            return;
        }
        var ac = ScpNegotiation.Accept(rq, _options);
        _machine.Accept = ac;
        foreach (var pc in ac.PresentationContexts.Where(p => p.Result == PresentationContextResult.Acceptance))
            _contexts[pc.Id] = (rq.PresentationContexts.First(p => p.Id == pc.Id).AbstractSyntax, pc.TransferSyntax);
        _channel = new DimseChannel(_machine, rq.UserInformation.MaximumLength, _options.MaxPduLength);
        await _machine.DispatchAsync(new Input(Event.Evt7), ct).ConfigureAwait(false);
        _options.CallerAccepted?.Invoke(rq.CallingAeTitle, _remote?.Address);
        NetworkLog.AssociationAccepted(_logger, Id, rq.CallingAeTitle, _machine.Remote, rq.CalledAeTitle, _contexts.Count, rq.PresentationContexts.Count);
    }

    private void LogRejected(AssociateRj rj, string why)
    {
        var rq = _machine.Request;
        NetworkLog.AssociationRejected(_logger, Id, rq?.CallingAeTitle ?? "?", _machine.Remote, rq?.CalledAeTitle ?? "?",
            rj.Result.ToString(), rj.Source.ToString(), ((byte)rj.Reason).ToString(System.Globalization.CultureInfo.InvariantCulture), why);
    }

    private async ValueTask AbandonCurrentAsync()
    {
        var current = _current;
        _current = null;
        if (current is not null)
            await current.AbandonAsync().ConfigureAwait(false);
    }
}
