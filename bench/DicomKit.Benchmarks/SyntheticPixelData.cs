using DicomKit.Data;

namespace DicomKit.Benchmarks;

/// <summary>
/// Pixel data that is computed while it is written: a water cylinder in air whose radius changes from frame
/// to frame, 16-bit stored values with a rescale intercept of -1024. One frame is held at a time, so writing a
/// 1 GiB multi-frame file never holds more than one 512x512 frame.
/// </summary>
internal sealed class SyntheticPixelData(int frames, int rows, int columns, int firstFrame = 0) : ValueSource
{
    public override long Length => (long)frames * rows * columns * 2;

    public override Stream OpenRead() => new FrameStream(frames, rows, columns, firstFrame);

    private sealed class FrameStream(int frames, int rows, int columns, int firstFrame) : Stream
    {
        private readonly byte[] _frame = new byte[rows * columns * 2];
        private int _frameIndex = -1;
        private int _inFrame;
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => (long)frames * _frame.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_frameIndex < 0 || _inFrame == _frame.Length)
            {
                if (_frameIndex + 1 >= frames) return 0;
                _frameIndex++;
                Fill(_frame, firstFrame + _frameIndex, rows, columns);
                _inFrame = 0;
            }
            var n = Math.Min(buffer.Length, _frame.Length - _inFrame);
            _frame.AsSpan(_inFrame, n).CopyTo(buffer);
            _inFrame += n;
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static void Fill(byte[] frame, int index, int rows, int columns)
    {
        const ushort air = 24;     // -1000 HU stored with intercept -1024
        const ushort water = 1064; // 40 HU, soft tissue
        var cx = columns / 2.0;
        var cy = rows / 2.0;
        var radius = rows * (0.30 + 0.10 * Math.Sin(index / 40.0));
        var r2 = radius * radius;
        var pixels = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(frame.AsSpan());
        for (var y = 0; y < rows; y++)
        {
            var dy = y - cy;
            for (var x = 0; x < columns; x++)
            {
                var dx = x - cx;
                pixels[y * columns + x] = dx * dx + dy * dy <= r2 ? (ushort)(water + ((x ^ y ^ index) & 15)) : air;
            }
        }
    }
}
