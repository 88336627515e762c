using System.Buffers;
using DicomKit.Network.Pdus;

namespace DicomKit.Network.UpperLayer;

/// <summary>
/// One event for the state machine with what it carries: a received PDU, the body of a received P-DATA-TF
/// (borrowed from the receive buffer until the next read), or an encoded P-DATA-TF to send.
/// </summary>
internal readonly record struct Input(Event Event)
{
    public object? Pdu { get; init; }
    public ReadOnlySequence<byte> Received { get; init; }
    public ReadOnlyMemory<byte> ToSend { get; init; }
    /// <summary>Why a received PDU was invalid (Evt19), used in the A-ABORT we answer with.</summary>
    public AbortReason Reason { get; init; }
    public string? Detail { get; init; }
    /// <summary>A local abort (Evt15) caused by the idle timeout rather than a caller.</summary>
    public bool IsTimeout { get; init; }
}
