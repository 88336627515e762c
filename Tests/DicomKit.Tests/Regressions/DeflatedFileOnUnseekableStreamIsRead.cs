using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// Found by the dataset fuzz target (Fuzzing/crashes/dataset/deflated-on-unseekable-stream): a deflated file read
/// from a stream that cannot seek failed with InvalidOperationException ("Buffered bytes cannot be handed over"),
/// because the reader had already buffered the start of the compressed data set while reading the meta information
/// and could not hand those bytes to the inflater. The buffered bytes now go first, then the rest of the stream.
/// </summary>
public class DeflatedFileOnUnseekableStreamIsRead
{
    [Fact]
    public void A_deflated_file_from_a_pipe_reads_as_from_a_file()
    {
        var dataset = new DicomDataset()
            .AddOrUpdate(WellKnownTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7")
            .AddOrUpdate(WellKnownTags.SOPInstanceUID, DicomVR.UI, "2.25.42")
            .AddOrUpdate(Tags.PatientName, DicomVR.PN, "Deflated^Pipe");
        using var saved = new MemoryStream();
        new DicomFile(dataset, DicomTransferSyntax.DeflatedExplicitVRLittleEndian).Save(saved);

        var file = DicomFile.Open(new ForwardOnly(saved.ToArray()));

        file.TransferSyntax.Should().Be(DicomTransferSyntax.DeflatedExplicitVRLittleEndian);
        file.Dataset.GetString(Tags.PatientName).Should().Be("Deflated^Pipe");
        file.Dataset.GetString(WellKnownTags.SOPInstanceUID).Should().Be("2.25.42");
    }

    [Fact]
    public void A_corrupt_deflated_data_set_from_a_pipe_is_a_format_error()
    {
        var dataset = new DicomDataset().AddOrUpdate(Tags.PatientName, DicomVR.PN, "Corrupt^Pipe");
        using var saved = new MemoryStream();
        new DicomFile(dataset, DicomTransferSyntax.DeflatedExplicitVRLittleEndian).Save(saved);
        var bytes = saved.ToArray();
        // A deflate block type of 3 is reserved: the inflater must refuse it.
        bytes[^1] = 0xFF;
        bytes[^2] = 0xFF;
        bytes[^3] = 0xFF;
        Array.Fill(bytes, (byte)0xFF, bytes.Length - 40, 40);

        var act = () => DicomFile.Open(new ForwardOnly(bytes));

        act.Should().Throw<DicomFormatException>();
    }

    private sealed class ForwardOnly(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data, writable: false);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
