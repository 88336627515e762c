using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Tests.IO;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// On a stream that cannot seek (a socket, a deflated data set) a value cut short was reported by the byte reader
/// as "Unexpected end of data" with no tag, because only seekable streams are length-checked before the read.
/// </summary>
public class ShortValueOnUnseekableStreamNamesItsTag
{
    [Fact]
    public void A_short_value_read_from_a_pipe_fails_naming_its_element_and_where_its_value_starts()
    {
        var d = new DicomBytes().Text(0x0008, 0x0016, "UI", "1.2.3").Header(0x0010, 0x0010, "PN", 100).Raw("Doe^John"u8);
        var bytes = DicomBytes.Part10(Synthetic.ExplicitLittle, d.ToArray());
        var valueStart = bytes.Length - 8;

        var act = () => DicomFile.Open(new BufferedStream(new PipeLike(bytes), 16));

        var e = act.Should().Throw<DicomFormatException>().Which;
        e.Tag.Should().Be(new DicomTag(0x0010, 0x0010));
        e.Offset.Should().Be(valueStart);
    }

    private sealed class PipeLike(byte[] data) : Stream
    {
        private int _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(count, data.Length - _pos);
            Array.Copy(data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
