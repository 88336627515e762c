using System.Buffers;
using System.IO.Pipelines;
using DicomKit.Network.Pdus;

namespace DicomKit.Network.UpperLayer;

/// <summary>
/// Turning received bytes into events. The pipe is filled asynchronously; framing and parsing are synchronous
/// over what is buffered (<see cref="RawPdu.TryReadPdu"/>). A frame is judged by its six-byte header before its
/// body is awaited, so the buffer never grows past the largest PDU we allow.
/// </summary>
internal sealed partial class AssociationMachine
{
    private ReadOnlySequence<byte> _held;       // the current ReadResult's buffer, not yet returned to the pipe
    private SequencePosition _heldConsumed;    // how far into _held the PDUs handed out so far reach
    private bool _holding;
    private bool _inputCompleted;
    private bool _discarding;                   // after garbage: drop every byte until the peer closes or ARTIM fires

    /// <summary>
    /// Reads the next event from the peer: a PDU (Evt3, 4, 6, 10, 12, 13, 16), an invalid one (Evt19), the
    /// connection closing (Evt17), ARTIM expiring (Evt18), or the idle timeout (a local A-ABORT, Evt15). The body
    /// of a P-DATA-TF in the result is valid until the next call.
    /// </summary>
    public async ValueTask<Input> ReadNextAsync(CancellationToken cancellationToken)
    {
        var reader = _transport.Input;
        while (true)
        {
            if (_transportBroken)
            {
                Release(reader);
                return new Input(Event.Evt17) { Detail = AbortDetail };
            }

            if (_holding)
            {
                var buffer = _held.Slice(_heldConsumed);
                if (_discarding)
                {
                    _heldConsumed = _held.End;
                }
                else
                {
                    try
                    {
                        if (RawPdu.TryReadPdu(ref buffer, Limits.MaxReceivePdu, Limits.MaxAssociatePdu, out var pdu))
                        {
                            _heldConsumed = buffer.Start;
                            return ToInput(pdu);
                        }
                    }
                    catch (DicomProtocolException e)
                    {
                        _discarding = true;
                        _heldConsumed = _held.End;
                        return new Input(Event.Evt19) { Reason = e.Reason, Detail = e.Message };
                    }
                }
                if (_inputCompleted)
                {
                    Release(reader);
                    return new Input(Event.Evt17) { Detail = buffer.Length > 0 ? $"connection closed inside a PDU ({buffer.Length} bytes of it received)" : null };
                }
                reader.AdvanceTo(_heldConsumed, _held.End);
                _holding = false;
            }

            var timeout = CurrentTimeout(out var isArtim);
            var result = await ReadWithTimeoutAsync(reader, timeout, cancellationToken).ConfigureAwait(false);
            if (_transportBroken)
                continue; // nothing is held: the pipe's last buffer went back before this read, and the top of the loop reports Evt17
            if (result is null)
            {
                return isArtim
                    ? new Input(Event.Evt18)
                    : new Input(Event.Evt15) { IsTimeout = true, Detail = $"idle for {timeout.TotalSeconds:0} s" };
            }
            _held = result.Value.Buffer;
            _heldConsumed = _held.Start;
            _holding = true;
            _inputCompleted = result.Value.IsCompleted;
        }
    }

    private void Release(PipeReader reader)
    {
        if (_holding)
        {
            reader.AdvanceTo(_held.End);
            _holding = false;
        }
    }

    private TimeSpan CurrentTimeout(out bool isArtim)
    {
        if (_artimDeadline is { } deadline)
        {
            isArtim = true;
            var remaining = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
            return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
        }
        isArtim = false;
        return Limits.IdleTimeout;
    }

    /// <summary>
    /// One read bounded by a timeout; null when the time ran out or the receive failed (then <see cref="_transportBroken"/>
    /// is set). A failure yields no ReadResult: only a buffer the pipe handed out may go back to its AdvanceTo.
    /// </summary>
    private async ValueTask<ReadResult?> ReadWithTimeoutAsync(PipeReader reader, TimeSpan timeout, CancellationToken ct)
    {
        if (timeout <= TimeSpan.Zero)
            return null;
        using var timeoutSource = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutSource.Token);
        try
        {
            _transport.BeforeReceive();
            return await reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            _transportBroken = true;
            AbortDetail ??= $"receive failed: {e.Message}";
            return null;
        }
    }

    private static Input ToInput(RawPdu pdu)
    {
        try
        {
            return pdu.Type switch
            {
                PduType.AssociateRq => new Input(Event.Evt6) { Pdu = AssociateRq.Parse(pdu.Body) },
                PduType.AssociateAc => new Input(Event.Evt3) { Pdu = AssociateAc.Parse(pdu.Body) },
                PduType.AssociateRj => new Input(Event.Evt4) { Pdu = AssociateRj.Parse(pdu.Body) },
                PduType.PDataTf => new Input(Event.Evt10) { Received = pdu.Body },
                PduType.ReleaseRq => new Input(Event.Evt12),
                PduType.ReleaseRp => new Input(Event.Evt13),
                PduType.Abort => new Input(Event.Evt16) { Pdu = AbortPdu.Parse(pdu.Body) },
                _ => new Input(Event.Evt19) { Reason = AbortReason.UnrecognizedPdu, Detail = $"PDU type {pdu.Type}" },
            };
        }
        catch (DicomProtocolException e)
        {
            return new Input(Event.Evt19) { Reason = e.Reason, Detail = e.Message };
        }
    }
}
