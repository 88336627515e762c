using System.Buffers;
using DicomKit.Network.Dimse;

namespace DicomKit.Network.Services;

/// <summary>
/// One C-STORE being received: the command, the sink's destination, and the first failure if any. After a
/// failure the remaining fragments are discarded and the failure becomes the answer; the association lives on.
/// </summary>
internal sealed class IncomingStore(byte contextId, ushort messageId, CommandField responseField, string sopClassUid, string sopInstanceUid)
{
    private IIncomingInstance? _target;
    private bool _finished;

    public byte ContextId { get; } = contextId;
    public ushort MessageId { get; } = messageId;
    public CommandField ResponseField { get; } = responseField;
    public string SopClassUid { get; } = sopClassUid;
    public string SopInstanceUid { get; } = sopInstanceUid;
    public long Bytes { get; private set; }
    public DimseStatus? Failure { get; private set; }
    public Exception? FailureException { get; private set; }
    public string? FailureComment { get; private set; }

    /// <summary>Answers with <paramref name="status"/> without asking the sink (unsupported SOP class, unknown command).</summary>
    public void Refuse(DimseStatus status, string comment)
    {
        Failure ??= status;
        FailureComment ??= comment;
    }

    public async ValueTask BeginAsync(IStorageSink sink, StoreRequestContext context, CancellationToken ct)
    {
        if (Failure is not null)
            return;
        try
        {
            _target = await sink.BeginAsync(context, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Fail(e);
        }
    }

    public async ValueTask WriteAsync(ReadOnlySequence<byte> fragment, CancellationToken ct)
    {
        Bytes += fragment.Length;
        if (Failure is not null || _target is null)
            return;
        try
        {
            foreach (var segment in fragment)
                await _target.Content.WriteAsync(segment, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Fail(e);
            await AbortTargetAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>The last fragment has arrived: commit, and return the status to answer with.</summary>
    public async ValueTask<DimseStatus> CompleteAsync(CancellationToken ct)
    {
        if (Failure is null && _target is not null)
        {
            try
            {
                var status = await _target.CommitAsync(ct).ConfigureAwait(false);
                _finished = true;
                await DisposeTargetAsync().ConfigureAwait(false);
                return status;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                Fail(e);
                await AbortTargetAsync(ct).ConfigureAwait(false);
            }
        }
        _finished = true;
        return Failure ?? DimseStatus.Success;
    }

    /// <summary>The association ended mid-instance: the sink removes what it has.</summary>
    public async ValueTask AbandonAsync()
    {
        if (_finished)
            return;
        _finished = true;
        await AbortTargetAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private void Fail(Exception e)
    {
        if (Failure is not null)
            return;
        FailureException = e;
        (Failure, FailureComment) = e switch
        {
            StorageSinkException s => (s.Status, s.Message),
            InvalidDataException or FormatException => (DimseStatus.CannotUnderstand, e.Message),
            _ => (DimseStatus.OutOfResources, "the instance could not be stored"),
        };
    }

    private async ValueTask AbortTargetAsync(CancellationToken ct)
    {
        if (_target is null)
            return;
        try
        {
            await _target.AbortAsync(ct).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a sink that cannot clean up must not take the association with it; the failure is already recorded
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        await DisposeTargetAsync().ConfigureAwait(false);
    }

    private async ValueTask DisposeTargetAsync()
    {
        var target = _target;
        _target = null;
        if (target is null)
            return;
        try
        {
            await target.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
