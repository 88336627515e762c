using System.Buffers;
using DicomKit.Network.Pdus;

namespace DicomKit.Fuzzing.Targets;

/// <summary>
/// The PDU reader: frames every PDU of a byte stream (<see cref="RawPdu.TryReadPdu"/>) and parses its body as the
/// upper layer does, PDVs included. Only <see cref="DicomProtocolException"/> is expected for bad input.
/// </summary>
internal static class PduTarget
{
    // Small limits keep the fuzzer near the boundaries; the listener's real ones differ only in size.
    private const int MaxPDataBody = 16 * 1024;
    private const int MaxAssociateBody = 64 * 1024;

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
            return;
        // The first byte picks how the stream is cut into segments, so frames straddling segments are exercised as
        // they are when a socket delivers a PDU in several reads.
        var segmentLength = input[0] % 17 + 1;
        var buffer = Segments.Of(input[1..], segmentLength);
        try
        {
            while (RawPdu.TryReadPdu(ref buffer, MaxPDataBody, MaxAssociateBody, out var pdu))
                Parse(pdu);
        }
        catch (DicomProtocolException)
        {
            // The documented answer to bad input: the association is aborted.
        }
    }

    private static void Parse(RawPdu pdu)
    {
        switch (pdu.Type)
        {
            case PduType.AssociateRq:
                AssociateRq.Parse(pdu.Body);
                break;
            case PduType.AssociateAc:
                AssociateAc.Parse(pdu.Body);
                break;
            case PduType.AssociateRj:
                AssociateRj.Parse(pdu.Body);
                break;
            case PduType.Abort:
                AbortPdu.Parse(pdu.Body);
                break;
            case PduType.PDataTf:
                var body = pdu.Body;
                while (PDataTf.TryReadPdv(ref body, out var pdv))
                    _ = pdv.Data.Length;
                break;
        }
    }
}
