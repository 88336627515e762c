using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Fuzzing.Targets;

/// <summary>
/// The dataset reader: the first byte picks how the rest is read, as a Part 10 file (seekable or streamed, so large
/// values are kept as file ranges or spilled) or as a bare data set in each uncompressed encoding. Only
/// <see cref="DicomFormatException"/> is expected for bad input.
/// </summary>
internal static class DatasetTarget
{
    private static readonly DicomReadOptions Options = new() { LargeValueThreshold = 1024 };

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
            return;
        var mode = input[0] % 6;
        var bytes = input[1..].ToArray();
        try
        {
            switch (mode)
            {
                case 0:
                    DicomFile.Open(new MemoryStream(bytes, writable: false), Options);
                    break;
                case 1:
                    DicomFile.Open(new ForwardOnlyStream(bytes), Options with { SkipLargeBulkData = true });
                    break;
                case 2:
                    DicomFile.Open(new ForwardOnlyStream(bytes), Options);
                    break;
                default:
                    ReadBare(bytes, mode switch
                    {
                        3 => DicomEncodingRules.ImplicitLittle,
                        4 => DicomEncodingRules.ExplicitLittle,
                        _ => DicomEncodingRules.Of(DicomTransferSyntax.ExplicitVRBigEndian),
                    });
                    break;
            }
        }
        catch (DicomFormatException)
        {
            // The documented answer to a malformed file or data set.
        }
    }

    private static void ReadBare(byte[] bytes, DicomEncodingRules rules)
    {
        using var reader = new ByteReader(new MemoryStream(bytes, writable: false));
        var dataset = new DicomDataset();
        new DicomDatasetReader(reader, Options, null).Read(dataset, rules);
    }

    /// <summary>A stream that cannot seek, as a network stream: values past the threshold must be spilled or skipped.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes, writable: false);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => _inner.Read(buffer);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
