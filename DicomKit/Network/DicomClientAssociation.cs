using DicomKit.Network.Dimse;
using DicomKit.Network.Pdus;
using DicomKit.Network.Services;
using DicomKit.Network.UpperLayer;
using Microsoft.Extensions.Logging;

namespace DicomKit.Network;

/// <summary>
/// An established association as requestor. Operations run one at a time; a DIMSE failure status comes back as a
/// result, while a broken association throws <see cref="DicomNetworkException"/> and cannot be used again.
/// Disposing releases the association if it is still open.
/// </summary>
public sealed class DicomClientAssociation : IAsyncDisposable
{
    private readonly AssociationMachine _machine;
    private readonly DimseChannel _channel;
    private readonly CommandAssembler _commands = new();
    private readonly ILogger _logger;
    private ushort _messageId;

    internal DicomClientAssociation(AssociationMachine machine, DicomClientOptions options, ILogger logger)
    {
        _machine = machine;
        _logger = logger;
        var ac = machine.Accept!;
        var rq = machine.Request!;
        AcceptedContexts = ac.PresentationContexts
            .Where(pc => pc.Result == PresentationContextResult.Acceptance)
            .Select(pc => new AcceptedPresentationContext(pc.Id, rq.PresentationContexts.FirstOrDefault(p => p.Id == pc.Id)?.AbstractSyntax ?? "", pc.TransferSyntax))
            .Where(pc => pc.AbstractSyntax.Length > 0)
            .ToList();
        _channel = new DimseChannel(machine, ac.UserInformation.MaximumLength, options.MaxPduLength);
    }

    public IReadOnlyList<AcceptedPresentationContext> AcceptedContexts { get; }

    /// <summary>The peer's maximum PDU length as announced; 0 means unlimited.</summary>
    public uint PeerMaxPduLength => _machine.Accept!.UserInformation.MaximumLength;

    public bool IsOpen => _machine.State == State.Sta6;

    /// <summary>C-ECHO on the accepted Verification context.</summary>
    public async Task<DimseStatus> EchoAsync(CancellationToken cancellationToken = default)
    {
        var pc = AcceptedContexts.FirstOrDefault(c => c.AbstractSyntax == KnownUids.Verification)
            ?? throw new DicomPresentationContextException(KnownUids.Verification, "any");
        var rq = new CEchoRq(NextMessageId(), KnownUids.Verification);
        await _channel.SendCommandAsync(pc.Id, rq.ToCommand(), cancellationToken).ConfigureAwait(false);
        var rsp = await ReadResponseAsync(rq.MessageId, cancellationToken).ConfigureAwait(false);
        return CEchoRsp.From(rsp).Status;
    }

    /// <summary>
    /// C-STORE of one instance, streamed from <see cref="StoreRequest.DataSet"/> one PDU at a time. Uses an accepted
    /// context for the SOP class whose transfer syntax is the syntax of the bytes; without one, throws
    /// <see cref="DicomPresentationContextException"/> before sending anything (the caller may transcode and retry).
    /// </summary>
    public async Task<StoreResult> StoreAsync(StoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pc = FindContext(request.SopClassUid, request.TransferSyntaxUid)
            ?? throw new DicomPresentationContextException(request.SopClassUid, request.TransferSyntaxUid);
        var rq = new CStoreRq(NextMessageId(), request.SopClassUid, request.SopInstanceUid, request.Priority,
            request.MoveOriginatorAeTitle, request.MoveOriginatorMessageId);
        await _channel.SendCommandAsync(pc.Id, rq.ToCommand(), cancellationToken).ConfigureAwait(false);
        await _channel.SendDataSetAsync(pc.Id, request.DataSet, request.Length, cancellationToken).ConfigureAwait(false);
        var rsp = CStoreRsp.From(await ReadResponseAsync(rq.MessageId, cancellationToken).ConfigureAwait(false));
        return new StoreResult(request.SopInstanceUid, rsp.Status, rsp.ErrorComment);
    }

    /// <summary>The accepted context for a SOP class in a transfer syntax, or null.</summary>
    public AcceptedPresentationContext? FindContext(string sopClassUid, string transferSyntaxUid) =>
        AcceptedContexts.FirstOrDefault(c => c.AbstractSyntax == sopClassUid && c.TransferSyntax == transferSyntaxUid);

    private ushort NextMessageId() => ++_messageId == 0 ? ++_messageId : _messageId;

    private async Task<CommandSet> ReadResponseAsync(ushort messageId, CancellationToken ct)
    {
        while (true)
        {
            if (_machine.State is not State.Sta6)
                throw new DicomAssociationAbortedException(_machine.AbortDetail ?? $"association ended ({_machine.State})");
            var input = await _machine.ReadNextAsync(ct).ConfigureAwait(false);
            if (input.Event == Event.Evt19)
                NetworkLog.ProtocolError(_logger, _machine.Id, _machine.Remote, input.Detail ?? "invalid PDU");
            await _machine.DispatchAsync(input, ct).ConfigureAwait(false);
            switch (_machine.Indication)
            {
                case Indication.Data:
                    var command = TakeCommand(input);
                    if (_pendingProtocolError is { } error)
                    {
                        _pendingProtocolError = null;
                        await FailAsync(error.Message, ct).ConfigureAwait(false);
                        continue;
                    }
                    if (command is not null)
                    {
                        if (command.GetUInt16(CommandTags.MessageIdBeingRespondedTo) != messageId || command.HasDataSet)
                        {
                            await FailAsync("unexpected DIMSE response", ct).ConfigureAwait(false);
                            continue;
                        }
                        return command;
                    }
                    break;
                case Indication.ReleaseRequested:
                    // The acceptor may not release (PS3.7 D.4); treat it as a protocol error.
                    await FailAsync("peer requested release while we are the requestor", ct).ConfigureAwait(false);
                    break;
                case Indication.Aborted:
                    NetworkLog.Aborted(_logger, _machine.Id, _machine.Remote, _machine.AbortDetail ?? input.Event.ToString());
                    break;
            }
        }
    }

    private CommandSet? TakeCommand(Input input)
    {
        var body = input.Received;
        CommandSet? command = null;
        try
        {
            while (PDataTf.TryReadPdv(ref body, out var pdv))
            {
                if (!pdv.IsCommand || command is not null)
                    throw ItemReading.Invalid("data PDV or a second command where one response command was expected");
                command = _commands.Add(pdv, out _);
            }
        }
        catch (DicomProtocolException e)
        {
            _pendingProtocolError = e;
            return null;
        }
        return command;
    }

    private DicomProtocolException? _pendingProtocolError;

    private async ValueTask FailAsync(string detail, CancellationToken ct)
    {
        NetworkLog.ProtocolError(_logger, _machine.Id, _machine.Remote, detail);
        await _machine.DispatchAsync(new Input(Event.Evt19) { Reason = AbortReason.UnexpectedPdu, Detail = detail }, ct).ConfigureAwait(false);
    }

    /// <summary>A-RELEASE: waits for A-RELEASE-RP (handling a release collision) and closes.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (_machine.State != State.Sta6)
            return;
        await _machine.DispatchAsync(new Input(Event.Evt11), cancellationToken).ConfigureAwait(false);
        while (_machine.State is not (State.Sta1 or State.Sta13))
        {
            var input = await _machine.ReadNextAsync(cancellationToken).ConfigureAwait(false);
            await _machine.DispatchAsync(input, cancellationToken).ConfigureAwait(false);
            if (_machine.Indication == Indication.ReleaseRequested) // collision (AR-8): answer it (Sta9 -> AR-9)
                await _machine.DispatchAsync(new Input(Event.Evt14), cancellationToken).ConfigureAwait(false);
        }
        _machine.CloseTransport();
    }

    /// <summary>A-ABORT: ends the association at once.</summary>
    public async Task AbortAsync()
    {
        if (_machine.State is >= State.Sta3 and <= State.Sta12 and not State.Sta4)
            await _machine.DispatchAsync(new Input(Event.Evt15) { Detail = "aborted by caller" }).ConfigureAwait(false);
        _machine.CloseTransport();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_machine.State == State.Sta6)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await ReleaseAsync(cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or DicomNetworkException or IOException)
        {
        }
        _channel.Dispose();
        await _machine.DisposeAsync().ConfigureAwait(false);
    }
}
