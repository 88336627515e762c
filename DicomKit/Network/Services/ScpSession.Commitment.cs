using System.Buffers;
using DicomKit.Network.Dimse;
using DicomKit.Network.Pdus;

namespace DicomKit.Network.Services;

/// <summary>
/// Storage Commitment Push Model as SCP (PS3.4 Annex J): the N-ACTION's action information is buffered (small and
/// bounded), handed to the owner, answered, and the report goes back as N-EVENT-REPORT-RQ on the same association.
/// Its N-EVENT-REPORT-RSP arrives on the ordinary read loop; a release or abort before it leaves delivery to the owner.
/// </summary>
internal sealed partial class ScpSession
{
    /// <summary>Largest action information accepted: tens of thousands of instances; more is a protocol error that aborts.</summary>
    public const int MaxActionDataSetLength = 8 * 1024 * 1024;

    private PendingAction? _action;
    private PendingReport? _report;
    private ushort _nextMessageId;

    private sealed class PendingAction(byte contextId, NActionRq rq)
    {
        public byte ContextId { get; } = contextId;
        public NActionRq Rq { get; } = rq;
        public ArrayBufferWriter<byte> Data { get; } = new(1024);
    }

    private sealed record PendingReport(ushort MessageId, StorageCommitmentContext Context, StorageCommitmentResult Result);

    private StorageCommitmentContext CommitmentContext()
    {
        var rq = _machine.Request!;
        return new StorageCommitmentContext(Id, rq.CallingAeTitle, rq.CalledAeTitle, _remote);
    }

    /// <summary>An N-ACTION-RQ command: its data set follows and is collected by <see cref="OnActionDataAsync"/>.</summary>
    private void BeginAction(CommandSet command, byte contextId)
    {
        try
        {
            _action = new PendingAction(contextId, NActionRq.From(command));
        }
        catch (DimseFormatException e)
        {
            throw ItemReading.Invalid(e.Message);
        }
    }

    private async ValueTask OnActionDataAsync(Pdv pdv, CancellationToken ct)
    {
        var action = _action!;
        if (action.ContextId != pdv.PresentationContextId)
            throw ItemReading.Invalid($"data set on presentation context {pdv.PresentationContextId}, command on {action.ContextId}");
        if (action.Data.WrittenCount + pdv.Data.Length > MaxActionDataSetLength)
            throw ItemReading.Invalid($"N-ACTION data set larger than {MaxActionDataSetLength} bytes");
        foreach (var segment in pdv.Data)
            action.Data.Write(segment.Span);
        if (!pdv.IsLast)
            return;
        _action = null;
        await AnswerActionAsync(action, ct).ConfigureAwait(false);
    }

    private async ValueTask AnswerActionAsync(PendingAction action, CancellationToken ct)
    {
        var (abstractSyntax, transferSyntax) = _contexts[action.ContextId];
        var rq = action.Rq;
        var handler = _options.StorageCommitmentHandler;
        StorageCommitmentRequest? request = null;
        DimseStatus status;
        if (handler is null || abstractSyntax != StorageCommitmentUids.SopClass)
            status = DimseStatus.UnrecognizedOperation;
        else if (rq.RequestedSopClassUid != StorageCommitmentUids.SopClass)
            status = DimseStatus.NoSuchSopClass;
        else if (rq.RequestedSopInstanceUid != StorageCommitmentUids.WellKnownInstance)
            status = DimseStatus.NoSuchSopInstance;
        else if (rq.ActionTypeId != StorageCommitmentUids.RequestActionTypeId)
            status = DimseStatus.NoSuchAction;
        else
        {
            try
            {
                request = StorageCommitmentCodec.ReadRequest(action.Data.WrittenMemory, transferSyntax);
                status = await handler.AcceptAsync(CommitmentContext(), request, ct).ConfigureAwait(false);
            }
            catch (StorageCommitmentFormatException e)
            {
                NetworkLog.CommitmentRefused(_logger, Id, e.Status.ToString(), e.Message);
                status = e.Status;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                NetworkLog.CommitmentRefused(_logger, Id, DimseStatus.ProcessingFailure.ToString(), e.GetType().Name);
                status = DimseStatus.ProcessingFailure;
            }
        }
        var rsp = new NActionRsp(rq.MessageId, StorageCommitmentUids.SopClass, rq.RequestedSopInstanceUid, rq.ActionTypeId, status);
        await _channel!.SendCommandAsync(action.ContextId, rsp.ToCommand(), ct).ConfigureAwait(false);
        if (request is null || !status.IsSuccess || handler is null)
            return;

        var context = CommitmentContext();
        var result = await handler.EvaluateAsync(context, request, ct).ConfigureAwait(false);
        if (result is null)
            return; // the owner delivers later
        if (_report is not null)
        {
            // One report is already awaiting its answer on this association: this one goes back to the owner.
            await handler.ReportedAsync(context, result, null, ct).ConfigureAwait(false);
            return;
        }
        var messageId = ++_nextMessageId == 0 ? ++_nextMessageId : _nextMessageId;
        _report = new PendingReport(messageId, context, result);
        var report = new NEventReportRq(messageId, StorageCommitmentUids.SopClass, StorageCommitmentUids.WellKnownInstance, result.EventTypeId);
        var bytes = StorageCommitmentCodec.WriteResult(result, transferSyntax);
        await _channel.SendCommandAsync(action.ContextId, report.ToCommand(), ct).ConfigureAwait(false);
        using var stream = new MemoryStream(bytes, writable: false);
        await _channel.SendDataSetAsync(action.ContextId, stream, bytes.Length, ct).ConfigureAwait(false);
    }

    /// <summary>The requester's N-EVENT-REPORT-RSP to our report.</summary>
    private async ValueTask OnEventReportResponseAsync(CommandSet command, CancellationToken ct)
    {
        var report = _report;
        NEventReportRsp rsp;
        try
        {
            rsp = NEventReportRsp.From(command);
        }
        catch (DimseFormatException e)
        {
            throw ItemReading.Invalid(e.Message);
        }
        if (report is null || rsp.MessageIdBeingRespondedTo != report.MessageId)
            throw ItemReading.Invalid("N-EVENT-REPORT-RSP to no report of ours");
        _report = null;
        await _options.StorageCommitmentHandler!.ReportedAsync(report.Context, report.Result, rsp.Status, ct).ConfigureAwait(false);
    }

    /// <summary>The association ends with a report unanswered: the owner delivers it on a new association.</summary>
    private async ValueTask AbandonReportAsync()
    {
        var report = _report;
        _report = null;
        _action = null;
        if (report is not null && _options.StorageCommitmentHandler is { } handler)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await handler.ReportedAsync(report.Context, report.Result, null, cts.Token).ConfigureAwait(false);
        }
    }
}
