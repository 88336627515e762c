using System.Buffers;
using System.Buffers.Binary;

namespace DicomKit.Data;

/// <summary>
/// Where the bytes of a value live. Small values are held in memory; large ones stay a byte range of the
/// file they came from (or a spill file) until someone asks for them, so that reading the header of a
/// 1 GiB multi-frame file costs kilobytes. Bytes are always presented in little-endian order: a range
/// of a big-endian file is swapped as it is read, so nothing above this class knows the source order.
/// </summary>
public abstract class ValueSource
{
    /// <summary>Length of the value in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>True when the bytes are already in memory and <see cref="Memory"/> is free.</summary>
    public virtual bool IsInMemory => false;

    /// <summary>Opens a stream over the value (little-endian order). The caller disposes it.</summary>
    public abstract Stream OpenRead();

    /// <summary>
    /// The value as one block of memory. Loads it when it lives in a file: meant for header-sized values,
    /// never for pixel data on a hot path.
    /// </summary>
    public virtual ReadOnlyMemory<byte> Memory
    {
        get
        {
            if (Length > Array.MaxLength)
                throw new InvalidOperationException($"A value of {Length} bytes cannot be loaded into memory; stream it with OpenRead.");
            var bytes = new byte[Length];
            using var s = OpenRead();
            s.ReadExactly(bytes);
            return bytes;
        }
    }

    /// <summary>Copies the value to <paramref name="destination"/> through a pooled buffer.</summary>
    public virtual void CopyTo(Stream destination)
    {
        using var s = OpenRead();
        s.CopyTo(destination, 81920);
    }

    public static ValueSource Empty { get; } = new MemoryValueSource(ReadOnlyMemory<byte>.Empty);

    public static ValueSource FromBytes(ReadOnlyMemory<byte> bytes) => new MemoryValueSource(bytes);
}

/// <summary>A value held in memory.</summary>
public sealed class MemoryValueSource(ReadOnlyMemory<byte> bytes) : ValueSource
{
    public override long Length => bytes.Length;
    public override bool IsInMemory => true;
    public override ReadOnlyMemory<byte> Memory => bytes;
    public override Stream OpenRead() => new ReadOnlyMemoryStream(bytes);
    public override void CopyTo(Stream destination) => destination.Write(bytes.Span);

    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> data) : Stream
    {
        private int _pos;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _pos; set => _pos = (int)Math.Clamp(value, 0, data.Length); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, data.Length - _pos);
            data.Span.Slice(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _pos + offset, _ => data.Length + offset };
            return _pos;
        }
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// A byte range of a file on disk, opened only when read. <paramref name="swapUnit"/> is 2, 4 or 8 when the
/// file is big endian and the value is binary: the bytes are swapped in units of that size as they are read.
/// </summary>
public sealed class FileRangeValueSource(string path, long offset, long length, int swapUnit = 1) : ValueSource
{
    public string Path { get; } = path;
    public long Offset { get; } = offset;
    public int SwapUnit { get; } = swapUnit;
    public override long Length => length;

    public override Stream OpenRead()
    {
        var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);
        if (fs.Length < Offset + length)
        {
            fs.Dispose();
            throw new IOException($"The file backing a value is shorter than the value (needs {Offset + length} bytes, has {fs.Length}).");
        }
        Stream range = new RangeStream(fs, Offset, length);
        return SwapUnit > 1 ? new ByteSwapStream(range, SwapUnit) : range;
    }
}

/// <summary>A read-only window over part of a seekable stream; owns the stream.</summary>
internal sealed class RangeStream : Stream
{
    private readonly Stream _inner;
    private readonly long _start;
    private readonly long _length;
    private long _pos;

    public RangeStream(Stream inner, long start, long length)
    {
        _inner = inner;
        _start = start;
        _length = length;
        _inner.Position = start;
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position
    {
        get => _pos;
        set { _pos = Math.Clamp(value, 0, _length); _inner.Position = _start + _pos; }
    }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer)
    {
        var want = (int)Math.Min(buffer.Length, _length - _pos);
        if (want <= 0) return 0;
        var n = _inner.Read(buffer[..want]);
        _pos += n;
        return n;
    }
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var want = (int)Math.Min(buffer.Length, _length - _pos);
        if (want <= 0) return 0;
        var n = await _inner.ReadAsync(buffer[..want], cancellationToken).ConfigureAwait(false);
        _pos += n;
        return n;
    }
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _pos + offset, _ => _length + offset };
        return _pos;
    }
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Swaps the byte order of fixed-size units as they are read. Owns the inner stream.</summary>
internal sealed class ByteSwapStream(Stream inner, int unit) : Stream
{
    private readonly byte[] _carry = new byte[8];
    private int _carryLen;
    private int _carryPos;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_carryPos < _carryLen)
        {
            var c = Math.Min(buffer.Length, _carryLen - _carryPos);
            _carry.AsSpan(_carryPos, c).CopyTo(buffer);
            _carryPos += c;
            return c;
        }
        if (buffer.Length < unit)
        {
            // Too small for a unit: swap one unit into the carry and hand it out piecewise.
            _carryLen = ReadUnits(_carry.AsSpan(0, unit));
            _carryPos = 0;
            return _carryLen == 0 ? 0 : Read(buffer);
        }
        var whole = buffer.Length / unit * unit;
        return ReadUnits(buffer[..whole]);
    }

    private int ReadUnits(Span<byte> target)
    {
        var total = 0;
        while (total < target.Length)
        {
            var n = inner.Read(target[total..]);
            if (n == 0) break;
            total += n;
            if (total % unit == 0) break;
        }
        var complete = total / unit * unit;
        Swap(target[..complete], unit);
        return total; // a trailing partial unit (odd-length value) passes unswapped
    }

    internal static void Swap(Span<byte> data, int unit)
    {
        switch (unit)
        {
            case 2:
                var s = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(data[..(data.Length / 2 * 2)]);
                BinaryPrimitives.ReverseEndianness(s, s);
                break;
            case 4:
                var i = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(data[..(data.Length / 4 * 4)]);
                BinaryPrimitives.ReverseEndianness(i, i);
                break;
            case 8:
                var l = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(data[..(data.Length / 8 * 8)]);
                BinaryPrimitives.ReverseEndianness(l, l);
                break;
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// A value that was read past without being kept (<see cref="IO.DicomReadOptions.SkipLargeBulkData"/>): its element
/// stays in the data set with its VR and length, so a reader of the header still sees that it is there and how big
/// it is, but its bytes are gone and asking for them is an error.
/// </summary>
public sealed class SkippedValueSource(long length) : ValueSource
{
    public override long Length => length;

    public override ReadOnlyMemory<byte> Memory => throw NotKept();

    public override Stream OpenRead() => throw NotKept();

    private InvalidOperationException NotKept() =>
        new($"This value of {length} bytes was read past without being kept (SkipLargeBulkData); read the file again to get it.");
}

internal static class PooledCopy
{
    public static void Copy(Stream source, Stream destination, long count)
    {
        var buf = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (count > 0)
            {
                var n = source.Read(buf, 0, (int)Math.Min(buf.Length, count));
                if (n == 0) throw new EndOfStreamException();
                destination.Write(buf, 0, n);
                count -= n;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }
}
