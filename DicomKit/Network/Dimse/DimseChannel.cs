using System.Buffers;
using DicomKit.Network.Pdus;
using DicomKit.Network.UpperLayer;

namespace DicomKit.Network.Dimse;

/// <summary>
/// Sends DIMSE messages over an established association: a command set, then optionally a data set, each cut
/// into PDVs no larger than the peer's maximum length (PS3.7 Annex E.2, PS3.8 Annex D.1). Every P-DATA-TF is laid
/// out in one reusable buffer — PDU header, PDV header, fragment — and leaves in one send: with the peer delaying
/// its ACKs, a PDU split over two sends would cost a delayed-ACK round trip each time.
/// </summary>
internal sealed class DimseChannel : IDisposable
{
    private readonly AssociationMachine _machine;
    private readonly int _maxFragment;
    private byte[]? _buffer;

    /// <param name="machine">The association.</param>
    /// <param name="peerMaxLength">The peer's maximum length (user information 0x51); 0 means unlimited.</param>
    /// <param name="ownSendLimit">Largest PDU body we send when the peer sets no limit.</param>
    public DimseChannel(AssociationMachine machine, uint peerMaxLength, int ownSendLimit)
    {
        _machine = machine;
        var pduBody = peerMaxLength == 0 ? ownSendLimit : (int)Math.Min(peerMaxLength, (uint)ownSendLimit);
        _maxFragment = Math.Max(1, pduBody - PDataTf.PdvHeaderLength);
    }

    public int MaxFragment => _maxFragment;

    private byte[] Buffer => _buffer ??= ArrayPool<byte>.Shared.Rent(PDataTf.SinglePdvOverhead + _maxFragment);

    public async ValueTask SendCommandAsync(byte contextId, CommandSet command, CancellationToken ct)
    {
        var length = command.EncodedLength;
        if (length <= _maxFragment)
        {
            // The common case: the whole command in one PDV, encoded straight into the send buffer.
            var buffer = Buffer;
            command.Write(buffer.AsSpan(PDataTf.SinglePdvOverhead, length));
            PDataTf.WriteSinglePdvHeader(buffer, contextId, isCommand: true, isLast: true, length);
            await SendPduAsync(buffer.AsMemory(0, PDataTf.SinglePdvOverhead + length), ct).ConfigureAwait(false);
            return;
        }
        var encoded = command.ToArray();
        using var stream = new MemoryStream(encoded, writable: false);
        await SendFragmentsAsync(contextId, isCommand: true, stream, encoded.Length, ct).ConfigureAwait(false);
    }

    /// <summary>Streams <paramref name="length"/> bytes of a data set from <paramref name="source"/>, one PDU at a time.</summary>
    public ValueTask SendDataSetAsync(byte contextId, Stream source, long length, CancellationToken ct) =>
        SendFragmentsAsync(contextId, isCommand: false, source, length, ct);

    private async ValueTask SendFragmentsAsync(byte contextId, bool isCommand, Stream source, long length, CancellationToken ct)
    {
        var buffer = Buffer;
        var remaining = length;
        do
        {
            var fragment = (int)Math.Min(remaining, _maxFragment);
            var read = 0;
            while (read < fragment)
            {
                var n = await source.ReadAsync(buffer.AsMemory(PDataTf.SinglePdvOverhead + read, fragment - read), ct).ConfigureAwait(false);
                if (n == 0)
                    throw new EndOfStreamException($"the data set stream ended {remaining - read} bytes before its declared length");
                read += n;
            }
            remaining -= fragment;
            PDataTf.WriteSinglePdvHeader(buffer, contextId, isCommand, isLast: remaining == 0, fragment);
            await SendPduAsync(buffer.AsMemory(0, PDataTf.SinglePdvOverhead + fragment), ct).ConfigureAwait(false);
        }
        while (remaining > 0);
    }

    private async ValueTask SendPduAsync(ReadOnlyMemory<byte> pdu, CancellationToken ct)
    {
        if (_machine.State is not (State.Sta6 or State.Sta8))
            throw new DicomAssociationAbortedException(_machine.AbortDetail ?? $"association is no longer open ({_machine.State})");
        await _machine.DispatchAsync(new Input(Event.Evt9) { ToSend = pdu }, ct).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_buffer is not null)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }
}
