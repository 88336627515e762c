using DicomGateway.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>The seekable view reads any range of the plaintext, decrypting only the segments it touches.</summary>
public class SegmentedDecryptingStreamTests
{
    private const int Size = 32;

    [Fact]
    public async Task Arbitrary_ranges_read_after_seeking_equal_the_plaintext()
    {
        var plaintext = Blobs.Plaintext(10 * Size + 5);
        var blob = await Blobs.EncryptAsync(plaintext, Size);
        await using var stream = await SegmentedDecryptingStream.OpenAsync(new MemoryStream(blob), Blobs.DataKey, 1);
        var random = new Random(42);

        stream.Length.Should().Be(plaintext.Length);
        stream.SegmentSize.Should().Be(Size);
        for (var i = 0; i < 200; i++)
        {
            var start = random.Next(0, plaintext.Length + 3);
            var count = random.Next(0, 3 * Size);
            stream.Seek(start, SeekOrigin.Begin);
            var read = new byte[count];
            var got = i % 2 == 0 ? await stream.ReadAtLeastAsync(read, count, throwOnEndOfStream: false) : stream.ReadAtLeast(read, count, throwOnEndOfStream: false);

            var expected = plaintext.AsSpan(Math.Min(start, plaintext.Length), Math.Max(0, Math.Min(count, plaintext.Length - start)));
            read.AsSpan(0, got).SequenceEqual(expected).Should().BeTrue($"bytes {start}..{start + count} must match");
            stream.Position.Should().Be(start + got);
        }
    }

    [Fact]
    public async Task A_read_returns_at_most_the_rest_of_the_current_segment_and_the_next_read_continues()
    {
        var plaintext = Blobs.Plaintext(3 * Size);
        var blob = await Blobs.EncryptAsync(plaintext, Size);
        using var stream = SegmentedDecryptingStream.Open(new MemoryStream(blob), Blobs.DataKey, 1);
        stream.Position = Size - 4;
        var buffer = new byte[10];

        stream.Read(buffer).Should().Be(4);
        stream.Read(buffer).Should().Be(10);

        buffer.Should().Equal(plaintext.AsSpan(Size, 10).ToArray());
    }

    [Fact]
    public async Task Seeking_from_the_end_and_reading_past_it_give_the_tail_then_nothing()
    {
        var plaintext = Blobs.Plaintext(2 * Size + 7);
        var blob = await Blobs.EncryptAsync(plaintext, Size);
        using var stream = SegmentedDecryptingStream.Open(new MemoryStream(blob), Blobs.DataKey, 1);

        stream.Seek(-7, SeekOrigin.End);
        var tail = new byte[20];

        stream.Read(tail).Should().Be(7);
        stream.Read(tail).Should().Be(0);
        tail[..7].Should().Equal(plaintext[^7..]);
    }

    [Fact]
    public async Task An_empty_blob_is_an_empty_stream()
    {
        var blob = await Blobs.EncryptAsync([], Size);
        using var stream = SegmentedDecryptingStream.Open(new MemoryStream(blob), Blobs.DataKey, 1);

        stream.Length.Should().Be(0);
        stream.Read(new byte[4]).Should().Be(0);
    }

    [Fact]
    public async Task Only_a_damaged_segment_that_is_read_fails_and_the_rest_stay_readable()
    {
        var plaintext = Blobs.Plaintext(4 * Size);
        var blob = await Blobs.EncryptAsync(plaintext, Size);
        var (offset, _) = SegmentedBlob.SegmentRange(1, plaintext.Length, Size);
        blob[offset + 3] ^= 1;
        using var stream = SegmentedDecryptingStream.Open(new MemoryStream(blob), Blobs.DataKey, 1);
        var buffer = new byte[Size];

        stream.Position = 2 * Size;
        stream.ReadExactly(buffer);
        buffer.Should().Equal(plaintext[(2 * Size)..(3 * Size)]);

        stream.Position = Size;
        var damaged = () => stream.ReadExactly(buffer);
        damaged.Should().Throw<ShipmentIntegrityException>();
    }

    [Fact]
    public async Task A_DICOM_file_encrypted_as_a_blob_parses_through_the_seekable_view()
    {
        using var directory = new TempDirectory("gw-crypto-");
        var path = Instances.WriteCt(directory.Path, 3);
        var original = DicomKit.IO.DicomFile.Open(path);
        var blob = await Blobs.EncryptAsync(await File.ReadAllBytesAsync(path), SegmentedBlob.DefaultSegmentSize);

        using var stream = SegmentedDecryptingStream.Open(new MemoryStream(blob), Blobs.DataKey, 1);
        var parsed = DicomKit.IO.DicomFile.Open(stream);

        parsed.Dataset.Count.Should().Be(original.Dataset.Count);
        parsed.TransferSyntax.Should().Be(original.TransferSyntax);
    }
}
