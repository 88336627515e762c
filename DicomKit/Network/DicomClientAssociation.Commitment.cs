using System.Buffers;
using DicomKit.Network.Dimse;
using DicomKit.Network.Pdus;
using DicomKit.Network.Services;
using DicomKit.Network.UpperLayer;

namespace DicomKit.Network;

/// <summary>
/// Storage Commitment Push Model (PS3.4 Annex J) on a requestor's association, in both directions: as SCU it asks
/// for commitment and may wait for the report on the same association; as SCP (role reversed with
/// <see cref="PresentationContextProposal.RequestorIsScp"/>) it delivers a report on an association it opened.
/// </summary>
public sealed partial class DicomClientAssociation
{
    /// <summary>Sends N-ACTION-RQ "request storage commitment" and returns the N-ACTION-RSP status.</summary>
    public async Task<DimseStatus> RequestStorageCommitmentAsync(StorageCommitmentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pc = CommitmentContext();
        var rq = new NActionRq(NextMessageId(), StorageCommitmentUids.SopClass, StorageCommitmentUids.WellKnownInstance, StorageCommitmentUids.RequestActionTypeId);
        var bytes = StorageCommitmentCodec.WriteRequest(request, pc.TransferSyntax);
        return await SendActionAsync(pc.Id, rq, bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends an N-ACTION-RQ with an arbitrary command and data set: what a misbehaving requester sends, for tests of
    /// the SCP's answers.
    /// </summary>
    internal async Task<DimseStatus> SendActionAsync(byte contextId, NActionRq rq, byte[] dataSet, CancellationToken ct)
    {
        await _channel.SendCommandAsync(contextId, rq.ToCommand(), ct).ConfigureAwait(false);
        using var stream = new MemoryStream(dataSet, writable: false);
        await _channel.SendDataSetAsync(contextId, stream, dataSet.Length, ct).ConfigureAwait(false);
        return NActionRsp.From(await ReadResponseAsync(rq.MessageId, ct).ConfigureAwait(false)).Status;
    }

    /// <summary>
    /// Waits for the SCP's N-EVENT-REPORT-RQ on this association, answers it with success and returns the report.
    /// Bounded by the options' response timeout, like every other wait.
    /// </summary>
    public async Task<StorageCommitmentResult> ReceiveStorageCommitmentReportAsync(CancellationToken cancellationToken = default)
    {
        var (command, contextId, data) = await ReadRequestWithDataSetAsync(cancellationToken).ConfigureAwait(false);
        NEventReportRq rq;
        try
        {
            rq = NEventReportRq.From(command);
        }
        catch (DimseFormatException e)
        {
            await FailAsync(e.Message, cancellationToken).ConfigureAwait(false);
            throw new DicomAssociationAbortedException(e.Message);
        }
        var result = StorageCommitmentCodec.ReadResult(data, AcceptedContexts.First(c => c.Id == contextId).TransferSyntax);
        var rsp = new NEventReportRsp(rq.MessageId, rq.AffectedSopClassUid, rq.AffectedSopInstanceUid, rq.EventTypeId, DimseStatus.Success);
        await _channel.SendCommandAsync(contextId, rsp.ToCommand(), cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Sends a commitment report as N-EVENT-REPORT-RQ and returns the requester's N-EVENT-REPORT-RSP status.</summary>
    public async Task<DimseStatus> ReportStorageCommitmentAsync(StorageCommitmentResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        var pc = CommitmentContext();
        var rq = new NEventReportRq(NextMessageId(), StorageCommitmentUids.SopClass, StorageCommitmentUids.WellKnownInstance, result.EventTypeId);
        var bytes = StorageCommitmentCodec.WriteResult(result, pc.TransferSyntax);
        await _channel.SendCommandAsync(pc.Id, rq.ToCommand(), cancellationToken).ConfigureAwait(false);
        using var stream = new MemoryStream(bytes, writable: false);
        await _channel.SendDataSetAsync(pc.Id, stream, bytes.Length, cancellationToken).ConfigureAwait(false);
        return NEventReportRsp.From(await ReadResponseAsync(rq.MessageId, cancellationToken).ConfigureAwait(false)).Status;
    }

    private AcceptedPresentationContext CommitmentContext() =>
        AcceptedContexts.FirstOrDefault(c => c.AbstractSyntax == StorageCommitmentUids.SopClass)
        ?? throw new DicomPresentationContextException(StorageCommitmentUids.SopClass, "any");

    /// <summary>Reads one request from the peer: its command and its data set, bounded like the SCP's action information.</summary>
    private async Task<(CommandSet Command, byte ContextId, ReadOnlyMemory<byte> Data)> ReadRequestWithDataSetAsync(CancellationToken ct)
    {
        CommandSet? command = null;
        byte contextId = 0;
        var data = new ArrayBufferWriter<byte>(1024);
        while (true)
        {
            if (_machine.State is not State.Sta6)
                throw new DicomAssociationAbortedException(_machine.AbortDetail ?? $"association ended ({_machine.State})");
            var input = await _machine.ReadNextAsync(ct).ConfigureAwait(false);
            await _machine.DispatchAsync(input, ct).ConfigureAwait(false);
            if (_machine.Indication == Indication.ReleaseRequested)
            {
                await FailAsync("peer requested release while we are the requestor", ct).ConfigureAwait(false);
                continue;
            }
            if (_machine.Indication != Indication.Data)
                continue;
            var body = input.Received;
            string? error = null;
            try
            {
                while (PDataTf.TryReadPdv(ref body, out var pdv))
                {
                    if (pdv.IsCommand)
                    {
                        if (command is not null)
                            throw ItemReading.Invalid("a second command before the data set of the first");
                        command = _commands.Add(pdv, out contextId);
                        if (command is not null && !command.HasDataSet)
                            throw ItemReading.Invalid("a request without the data set it needs");
                        continue;
                    }
                    if (command is null || pdv.PresentationContextId != contextId)
                        throw ItemReading.Invalid("data PDV without its command");
                    if (data.WrittenCount + pdv.Data.Length > ScpSession.MaxActionDataSetLength)
                        throw ItemReading.Invalid("data set too large");
                    foreach (var segment in pdv.Data)
                        data.Write(segment.Span);
                    if (pdv.IsLast)
                        return (command, contextId, data.WrittenMemory);
                }
            }
            catch (DicomProtocolException e)
            {
                error = e.Message;
            }
            if (error is not null)
            {
                await FailAsync(error, ct).ConfigureAwait(false);
                throw new DicomAssociationAbortedException(error);
            }
        }
    }
}
