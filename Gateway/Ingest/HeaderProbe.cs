using System.Buffers;
using DicomGateway.Studies;
using DicomKit.Data;
using DicomKit.IO;

namespace DicomGateway.Ingest;

/// <summary>
/// Holds the first bytes of an arriving instance (our meta header, then the data set as sent) until the attributes
/// up to Instance Number have been read: the Study Instance UID decides which study, and so which key, the
/// instance is encrypted under, so nothing can be encrypted before it is known. Only this prefix is ever held in
/// memory, and only until it parses: a few kilobytes for real instances, never more than <see cref="Limit"/>.
/// </summary>
internal sealed class HeaderProbe : IDisposable
{
    /// <summary>Most bytes held while looking for the Study Instance UID; a header larger than this is refused.</summary>
    public const int Limit = 4 * 1024 * 1024;

    /// <summary>Reading stops here: every attribute the table of contents needs comes before it.</summary>
    private static readonly DicomTag StopAt = new(0x0020, 0x0014);

    private readonly string _sopClassUid;
    private readonly string _sopInstanceUid;
    private readonly string _transferSyntaxUid;
    private byte[] _buffer;
    private int _length;
    private int _nextAttempt = 8 * 1024;

    public HeaderProbe(ReadOnlySpan<byte> metaHeader, string sopClassUid, string sopInstanceUid, string transferSyntaxUid)
    {
        _sopClassUid = sopClassUid;
        _sopInstanceUid = sopInstanceUid;
        _transferSyntaxUid = transferSyntaxUid;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16 * 1024, metaHeader.Length * 2));
        Append(metaHeader);
        _nextAttempt += metaHeader.Length;
    }

    /// <summary>Everything held so far: the plaintext that must be encrypted first once the header is known.</summary>
    public ReadOnlyMemory<byte> Buffered => _buffer.AsMemory(0, _length);

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > Limit)
            throw new InvalidDataException($"No Study Instance UID in the first {Limit / (1024 * 1024)} MiB of the data set");
        if (_length + data.Length > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(Limit, Math.Max(_buffer.Length * 2, _length + data.Length)));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
            _buffer = bigger;
        }
        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }

    /// <summary>
    /// The header, or null while more bytes are needed. Parsing is attempted at growing sizes (8 KiB, 32 KiB, ...),
    /// so a large header costs a few parses, not one per fragment. With <paramref name="final"/> (the data set is
    /// complete) a header that still cannot be read is an error.
    /// </summary>
    /// <exception cref="InvalidDataException">The data set is malformed or has no Study Instance UID.</exception>
    public InstanceHeader? TryRead(bool final)
    {
        if (!final && _length < _nextAttempt && _length < Limit) return null;
        _nextAttempt = Math.Max(_nextAttempt * 4, _length + 1);
        DicomFile file;
        try
        {
            using var stream = new MemoryStream(_buffer, 0, _length, writable: false);
            file = DicomFile.Open(stream, DicomReadOptions.Default with { StopAtTag = StopAt, LargeValueThreshold = Limit + 1 });
        }
        catch (Exception e) when (e is DicomFormatException or InvalidDataException or EndOfStreamException)
        {
            // A prefix usually ends inside an element: only a complete data set proves the bytes are bad.
            if (final || _length >= Limit) throw new InvalidDataException("The data set cannot be parsed: " + e.Message, e);
            return null;
        }
        var header = InstanceHeader.From(file.Dataset, _sopClassUid, _sopInstanceUid, _transferSyntaxUid);
        // The data set may simply not have reached the stop tag yet, unless it is complete or stopped there.
        var sawEverything = final || file.StoppedAt is not null || _length >= Limit;
        if (header is not null && (sawEverything || file.TransferSyntax.IsDeflated)) return header;
        if (sawEverything) throw new InvalidDataException("The data set has no Study Instance UID (0020,000D)");
        return null;
    }

    public void Dispose()
    {
        if (_buffer.Length == 0) return;
        ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
        _buffer = [];
        _length = 0;
    }
}
