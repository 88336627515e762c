using System.Buffers;
using DicomKit.Network.Dimse;
using DicomKit.Network.Pdus;
using DicomKit.Network.UpperLayer;

namespace DicomKit.Network.Services;

/// <summary>
/// DIMSE over the P-DATA indications: command fragments are assembled (small, bounded), data set fragments go
/// straight to the sink as they arrive. A malformed PDV or command is a protocol error and aborts; a store the
/// sink cannot complete is answered with a failure status.
/// </summary>
internal sealed partial class ScpSession
{
    private async ValueTask OnDataAsync(Input input, CancellationToken ct)
    {
        try
        {
            await OnPDataAsync(input.Received, ct).ConfigureAwait(false);
        }
        catch (DicomProtocolException e)
        {
            NetworkLog.ProtocolError(_logger, Id, _machine.Remote, e.Message);
            await AbandonCurrentAsync().ConfigureAwait(false);
            await _machine.DispatchAsync(new Input(Event.Evt19) { Reason = e.Reason, Detail = e.Message }, ct).ConfigureAwait(false);
        }
    }

    private async ValueTask OnPDataAsync(ReadOnlySequence<byte> body, CancellationToken ct)
    {
        if (body.IsEmpty)
            throw ItemReading.Invalid("P-DATA-TF without any PDV");
        while (PDataTf.TryReadPdv(ref body, out var pdv))
        {
            if (!_contexts.ContainsKey(pdv.PresentationContextId))
                throw ItemReading.Invalid($"PDV on presentation context {pdv.PresentationContextId}, which was not accepted");
            if (pdv.IsCommand)
            {
                if (_current is not null || _action is not null)
                    throw ItemReading.Invalid("command PDV while the data set of the previous command was expected");
                var command = _commands.Add(pdv, out var contextId);
                if (command is not null)
                    await OnCommandAsync(command, contextId, ct).ConfigureAwait(false);
            }
            else if (_action is not null)
            {
                await OnActionDataAsync(pdv, ct).ConfigureAwait(false);
            }
            else
            {
                var current = _current ?? throw ItemReading.Invalid("data PDV without a command announcing a data set");
                if (current.ContextId != pdv.PresentationContextId)
                    throw ItemReading.Invalid($"data set on presentation context {pdv.PresentationContextId}, command on {current.ContextId}");
                await current.WriteAsync(pdv.Data, ct).ConfigureAwait(false);
                if (pdv.IsLast)
                {
                    _current = null;
                    var status = await current.CompleteAsync(ct).ConfigureAwait(false);
                    await RespondAsync(current, status, ct).ConfigureAwait(false);
                }
            }
        }
    }

    private async ValueTask OnCommandAsync(CommandSet command, byte contextId, CancellationToken ct)
    {
        var (abstractSyntax, transferSyntax) = _contexts[contextId];
        ushort messageId;
        try
        {
            // A response carries the id it answers instead of its own.
            messageId = command.GetUInt16(CommandTags.MessageIdBeingRespondedTo) is { } answered && ((ushort)command.Field & 0x8000) != 0
                ? answered
                : command.RequireUInt16(CommandTags.MessageId);
        }
        catch (DimseFormatException e)
        {
            throw ItemReading.Invalid(e.Message);
        }

        switch (command.Field)
        {
            case CommandField.CEchoRq when !command.HasDataSet:
            {
                var rsp = new CEchoRsp(messageId, command.GetString(CommandTags.AffectedSopClassUid) ?? abstractSyntax, DimseStatus.Success);
                await _channel!.SendCommandAsync(contextId, rsp.ToCommand(), ct).ConfigureAwait(false);
                return;
            }
            case CommandField.CStoreRq when command.HasDataSet:
            {
                CStoreRq rq;
                try
                {
                    rq = CStoreRq.From(command);
                }
                catch (DimseFormatException e)
                {
                    throw ItemReading.Invalid(e.Message);
                }
                var store = new IncomingStore(contextId, messageId, CommandField.CStoreRsp, rq.AffectedSopClassUid, rq.AffectedSopInstanceUid);
                _current = store;
                if (!KnownUids.IsStorageSopClass(abstractSyntax) || rq.AffectedSopClassUid != abstractSyntax)
                {
                    store.Refuse(DimseStatus.SopClassNotSupported, $"SOP class {rq.AffectedSopClassUid} on a context for {abstractSyntax}");
                    return;
                }
                var rqInfo = _machine.Request!;
                await store.BeginAsync(_sink, new StoreRequestContext
                {
                    AssociationId = Id,
                    CallingAeTitle = rqInfo.CallingAeTitle,
                    CalledAeTitle = rqInfo.CalledAeTitle,
                    RemoteEndPoint = _remote,
                    SopClassUid = rq.AffectedSopClassUid,
                    SopInstanceUid = rq.AffectedSopInstanceUid,
                    TransferSyntaxUid = transferSyntax,
                    PresentationContextId = contextId,
                    MessageId = messageId,
                    Priority = rq.Priority,
                    MoveOriginatorAeTitle = rq.MoveOriginatorAeTitle,
                    MoveOriginatorMessageId = rq.MoveOriginatorMessageId,
                    ImplementationClassUid = rqInfo.UserInformation.ImplementationClassUid,
                    ImplementationVersionName = rqInfo.UserInformation.ImplementationVersionName,
                }, ct).ConfigureAwait(false);
                return;
            }
            case CommandField.NActionRq when command.HasDataSet && _options.StorageCommitmentHandler is not null && abstractSyntax == StorageCommitmentUids.SopClass:
                BeginAction(command, contextId);
                return;
            case CommandField.NEventReportRsp when _options.StorageCommitmentHandler is not null:
                await OnEventReportResponseAsync(command, ct).ConfigureAwait(false);
                return;
            case CommandField.CCancelRq:
                return; // nothing of ours is cancellable: every operation completes before the next is read
            default:
            {
                // A command we do not serve is an answer (0x0211), not a reason to drop the association.
                var unknown = new IncomingStore(contextId, messageId, (CommandField)((ushort)command.Field | 0x8000),
                    command.GetString(CommandTags.AffectedSopClassUid) ?? abstractSyntax, command.GetString(CommandTags.AffectedSopInstanceUid) ?? "");
                unknown.Refuse(command.Field == CommandField.CStoreRq ? DimseStatus.CannotUnderstand : DimseStatus.UnrecognizedOperation,
                    $"command 0x{(ushort)command.Field:X4} is not supported here");
                if (command.HasDataSet)
                    _current = unknown;
                else
                    await RespondAsync(unknown, unknown.Failure!.Value, ct).ConfigureAwait(false);
                return;
            }
        }
    }

    private async ValueTask RespondAsync(IncomingStore store, DimseStatus status, CancellationToken ct)
    {
        if (status.IsFailure)
            NetworkLog.StoreFailed(_logger, Id, store.SopInstanceUid, status.ToString(), store.FailureException);
        else
            NetworkLog.Stored(_logger, Id, store.SopInstanceUid, store.Bytes, _contexts[store.ContextId].TransferSyntax);

        CommandSet command;
        if (store.ResponseField == CommandField.CStoreRsp)
        {
            command = new CStoreRsp(store.MessageId, store.SopClassUid, store.SopInstanceUid, status, store.FailureComment).ToCommand();
        }
        else
        {
            command = new CommandSet()
                .Set(CommandTags.AffectedSopClassUid, store.SopClassUid, isUid: true)
                .Set(CommandTags.CommandField, (ushort)store.ResponseField)
                .Set(CommandTags.MessageIdBeingRespondedTo, store.MessageId)
                .Set(CommandTags.CommandDataSetType, CommandTags.NoDataSet)
                .Set(CommandTags.Status, status.Code);
        }
        await _channel!.SendCommandAsync(store.ContextId, command, ct).ConfigureAwait(false);
    }
}
