using System.Buffers;
using DicomKit.Network.Pdus;

namespace DicomKit.Network.Dimse;

/// <summary>
/// Collects the command PDVs of one message until the last one (PS3.8 E.2), bounded by
/// <see cref="CommandSet.MaxEncodedLength"/>: a peer cannot make us buffer more than that for a command.
/// </summary>
internal sealed class CommandAssembler
{
    private readonly ArrayBufferWriter<byte> _bytes = new(512);
    private byte _contextId;

    public bool InProgress => _bytes.WrittenCount > 0;

    /// <summary>Adds a command fragment; returns the command when it was the last one.</summary>
    /// <exception cref="DicomProtocolException">Fragments on different contexts, oversized or undecodable command.</exception>
    public CommandSet? Add(in Pdv pdv, out byte contextId)
    {
        if (InProgress && pdv.PresentationContextId != _contextId)
            throw ItemReading.Invalid($"command fragments arrived on presentation contexts {_contextId} and {pdv.PresentationContextId}");
        _contextId = pdv.PresentationContextId;
        contextId = _contextId;
        if (_bytes.WrittenCount + pdv.Data.Length > CommandSet.MaxEncodedLength)
            throw ItemReading.Invalid($"command set larger than {CommandSet.MaxEncodedLength} bytes");
        foreach (var segment in pdv.Data)
            _bytes.Write(segment.Span);
        if (!pdv.IsLast)
            return null;
        try
        {
            return CommandSet.Parse(_bytes.WrittenSpan);
        }
        catch (DimseFormatException e)
        {
            throw ItemReading.Invalid($"undecodable command set: {e.Message}");
        }
        finally
        {
            _bytes.ResetWrittenCount();
        }
    }
}
