using System.Buffers;
using System.Buffers.Binary;
using DicomKit.Data;

namespace DicomKit.IO;

/// <summary>
/// Buffered, position-tracking reader over a stream, for synchronous parsing of DICOM files. Knows the
/// stream length when the stream can seek, so a declared length beyond the end is caught before anything
/// is allocated for it.
/// </summary>
internal sealed class ByteReader : IDisposable
{
    private readonly Stream _stream;
    private byte[] _buf;
    private int _pos;
    private int _len;
    private long _bufStart; // absolute position of _buf[0]
    private readonly bool _pooled;

    public ByteReader(Stream stream, int bufferSize = 16 * 1024)
    {
        _stream = stream;
        _buf = ArrayPool<byte>.Shared.Rent(bufferSize);
        _pooled = true;
        _bufStart = stream.CanSeek ? stream.Position : 0;
        StreamLength = stream.CanSeek ? stream.Length : null;
    }

    /// <summary>Absolute position in the logical stream.</summary>
    public long Position => _bufStart + _pos;

    /// <summary>Total length when known (seekable streams), else null.</summary>
    public long? StreamLength { get; }

    /// <summary>Bytes remaining when the length is known.</summary>
    public long? Remaining => StreamLength - Position;

    public bool CanSeek => _stream.CanSeek;

    /// <summary>
    /// Returns the rest of the data as a stream, for handing over (the deflated data set after the meta information):
    /// the underlying stream rewound to the logical position when it can seek, else the bytes already buffered
    /// followed by the unread remainder of the stream, since those bytes cannot be read from it again.
    /// </summary>
    public Stream DetachAtPosition()
    {
        if (_stream.CanSeek)
        {
            _stream.Position = Position;
            return _stream;
        }
        if (_pos == _len)
            return _stream;
        var buffered = _buf.AsSpan(_pos, _len - _pos).ToArray();
        _pos = _len;
        return new PrefixedStream(buffered, _stream);
    }

    /// <summary>Ensures <paramref name="count"/> bytes are buffered; false at end of stream.</summary>
    public bool TryEnsure(int count)
    {
        if (_len - _pos >= count) return true;
        if (count > _buf.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(count);
            Buffer.BlockCopy(_buf, _pos, bigger, 0, _len - _pos);
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = bigger;
        }
        else if (_pos > 0)
        {
            Buffer.BlockCopy(_buf, _pos, _buf, 0, _len - _pos);
        }
        _bufStart += _pos;
        _len -= _pos;
        _pos = 0;
        while (_len < count)
        {
            var n = _stream.Read(_buf, _len, _buf.Length - _len);
            if (n == 0) return false;
            _len += n;
        }
        return true;
    }

    /// <summary>True when no byte is left.</summary>
    public bool AtEnd => _pos >= _len && !TryEnsure(1);

    public int Available => _len - _pos;

    public ReadOnlySpan<byte> Peek(int count) => TryEnsure(count) ? _buf.AsSpan(_pos, count) : ReadOnlySpan<byte>.Empty;

    public ushort ReadUInt16(bool bigEndian)
    {
        Need(2);
        var v = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(_buf.AsSpan(_pos)) : BinaryPrimitives.ReadUInt16LittleEndian(_buf.AsSpan(_pos));
        _pos += 2;
        return v;
    }

    public uint ReadUInt32(bool bigEndian)
    {
        Need(4);
        var v = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(_buf.AsSpan(_pos)) : BinaryPrimitives.ReadUInt32LittleEndian(_buf.AsSpan(_pos));
        _pos += 4;
        return v;
    }

    public byte ReadByte()
    {
        Need(1);
        return _buf[_pos++];
    }

    /// <summary>Fills <paramref name="target"/>; throws <see cref="EndOfStreamException"/> when the data ends first.</summary>
    public void ReadExactly(Span<byte> target)
    {
        var fromBuf = Math.Min(target.Length, _len - _pos);
        _buf.AsSpan(_pos, fromBuf).CopyTo(target);
        _pos += fromBuf;
        var rest = target[fromBuf..];
        if (rest.IsEmpty) return;
        if (rest.Length < _buf.Length / 2)
        {
            // Short data is an EndOfStreamException here, as on the large path below, so that the caller (who knows
            // the element) reports it; a DicomFormatException from here could not name the tag.
            if (!TryEnsure(rest.Length)) throw new EndOfStreamException();
            _buf.AsSpan(_pos, rest.Length).CopyTo(rest);
            _pos += rest.Length;
            return;
        }
        // Large read: go straight to the stream.
        _bufStart += _len;
        _pos = _len = 0;
        var done = 0;
        while (done < rest.Length)
        {
            var n = _stream.Read(rest[done..]);
            if (n == 0) throw new EndOfStreamException();
            done += n;
        }
        _bufStart += rest.Length;
    }

    /// <summary>Skips bytes: a seek on seekable streams, a read-and-discard otherwise.</summary>
    public void Skip(long count)
    {
        var inBuf = _len - _pos;
        if (count <= inBuf)
        {
            _pos += (int)count;
            return;
        }
        count -= inBuf;
        _bufStart += _len;
        _pos = _len = 0;
        if (_stream.CanSeek)
        {
            _stream.Seek(count, SeekOrigin.Current);
            _bufStart += count;
            return;
        }
        PooledDiscard(count);
        _bufStart += count;
    }

    /// <summary>Copies <paramref name="count"/> bytes to <paramref name="destination"/>.</summary>
    public void CopyTo(Stream destination, long count)
    {
        var inBuf = (int)Math.Min(count, _len - _pos);
        destination.Write(_buf, _pos, inBuf);
        _pos += inBuf;
        count -= inBuf;
        if (count == 0) return;
        _bufStart += _len;
        _pos = _len = 0;
        PooledCopy.Copy(_stream, destination, count);
        _bufStart += count;
    }

    private void PooledDiscard(long count)
    {
        var tmp = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (count > 0)
            {
                var n = _stream.Read(tmp, 0, (int)Math.Min(tmp.Length, count));
                if (n == 0) throw new EndOfStreamException();
                count -= n;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(tmp); }
    }

    private void Need(int count)
    {
        if (!TryEnsure(count))
            throw new DicomFormatException($"Unexpected end of data: {count} more bytes needed", Position);
    }

    public void Dispose()
    {
        if (_pooled && _buf.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = [];
        }
    }
}
