using DicomGateway.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>What goes into the encrypting stream comes out of both decryptors, at every size around segment boundaries.</summary>
public class SegmentedBlobRoundTripTests
{
    private const int Size = 64;

    public static TheoryData<int> Lengths => new() { 0, 1, Size - 1, Size, Size + 1, 2 * Size, 3 * Size, 3 * Size + 17, 10 * Size - 1 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public async Task A_plaintext_of_any_length_decrypts_to_itself_and_has_the_announced_size(int length)
    {
        var plaintext = Blobs.Plaintext(length);

        var blob = await Blobs.EncryptAsync(plaintext, Size);

        blob.Length.Should().Be((int)SegmentedBlob.CiphertextLength(length, Size));
        (await Blobs.DecryptAsync(blob)).Should().Equal(plaintext);
        (await Blobs.ReadThroughSeekableAsync(blob)).Should().Equal(plaintext);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public async Task Synchronous_writes_produce_a_blob_that_decrypts_the_same(int length)
    {
        var plaintext = Blobs.Plaintext(length);

        var blob = await Blobs.EncryptAsync(plaintext, Size, pieces: [7, 64, 1, 130], synchronous: true);

        (await Blobs.DecryptAsync(blob)).Should().Equal(plaintext);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Randomly_fragmented_writes_give_the_same_plaintext_back(int seed)
    {
        var random = new Random(seed);
        var plaintext = Blobs.Plaintext(random.Next(0, 20 * Size), seed);
        var pieces = Enumerable.Range(0, 50).Select(_ => random.Next(1, 3 * Size)).ToArray();

        var blob = await Blobs.EncryptAsync(plaintext, Size, pieces: pieces, synchronous: seed % 2 == 0);

        (await Blobs.DecryptAsync(blob)).Should().Equal(plaintext);
    }

    [Fact]
    public async Task The_default_segment_size_round_trips_a_half_megabyte_instance_fed_in_network_fragments()
    {
        var plaintext = Blobs.Plaintext(512 * 1024 + 123);

        var blob = await Blobs.EncryptAsync(plaintext, SegmentedBlob.DefaultSegmentSize, pieces: [16384, 65536, 16000, 40000]);

        blob.Length.Should().Be((int)SegmentedBlob.CiphertextLength(plaintext.Length));
        (await Blobs.DecryptAsync(blob)).Should().Equal(plaintext);
    }

    [Fact]
    public async Task Two_blobs_of_the_same_plaintext_share_no_ciphertext_because_each_has_its_own_salt()
    {
        var plaintext = Blobs.Plaintext(3 * Size);

        var first = await Blobs.EncryptAsync(plaintext, Size);
        var second = await Blobs.EncryptAsync(plaintext, Size);

        first.AsSpan(SegmentedBlob.HeaderSize).SequenceEqual(second.AsSpan(SegmentedBlob.HeaderSize)).Should().BeFalse();
        first.AsSpan(16, 16).SequenceEqual(second.AsSpan(16, 16)).Should().BeFalse("the salt is random");
    }

    [Fact]
    public async Task A_blob_written_after_other_bytes_starts_where_the_output_was_positioned()
    {
        var plaintext = Blobs.Plaintext(2 * Size + 3);
        using var output = new MemoryStream();
        output.Write("prefix"u8);
        await using (var encrypting = new SegmentedEncryptingStream(output, Blobs.DataKey, 4, Size, leaveOpen: true))
        {
            await encrypting.WriteAsync(plaintext);
            await encrypting.CompleteAsync(CancellationToken.None);
        }

        output.Position = 6;
        using var decrypted = new MemoryStream();
        await SegmentedBlob.DecryptAsync(output, decrypted, Blobs.DataKey, 4, CancellationToken.None);

        decrypted.ToArray().Should().Equal(plaintext);
    }

    [Fact]
    public async Task The_segment_ranges_tile_the_blob_after_its_header()
    {
        var length = 5 * Size + 9;
        var blob = await Blobs.EncryptAsync(Blobs.Plaintext(length), Size);

        var count = SegmentedBlob.SegmentCount(length, Size);
        var ranges = Enumerable.Range(0, (int)count).Select(i => SegmentedBlob.SegmentRange(i, length, Size)).ToList();

        count.Should().Be(6);
        ranges[0].Offset.Should().Be(SegmentedBlob.HeaderSize);
        ranges.Zip(ranges.Skip(1)).Should().OnlyContain(p => p.First.Offset + p.First.Length == p.Second.Offset);
        (ranges[^1].Offset + ranges[^1].Length).Should().Be(blob.Length);
        ranges[^1].Length.Should().Be(9 + SegmentedBlob.TagSize);
        SegmentedBlob.SegmentRange(0, 0, Size).Should().Be((SegmentedBlob.HeaderSize, SegmentedBlob.TagSize));
    }

    [Fact]
    public void A_plaintext_that_is_an_exact_multiple_of_the_segment_size_ends_with_a_full_segment()
    {
        SegmentedBlob.SegmentCount(3 * Size, Size).Should().Be(3);
        SegmentedBlob.CiphertextLength(3 * Size, Size).Should().Be(SegmentedBlob.HeaderSize + 3 * (Size + SegmentedBlob.TagSize));
        SegmentedBlob.CiphertextLength(0, Size).Should().Be(SegmentedBlob.HeaderSize + SegmentedBlob.TagSize);
    }

    [Fact]
    public async Task Nothing_can_be_written_after_completion()
    {
        using var output = new MemoryStream();
        await using var encrypting = new SegmentedEncryptingStream(output, Blobs.DataKey, 1, Size, leaveOpen: true);
        await encrypting.WriteAsync(new byte[10]);
        await encrypting.CompleteAsync(CancellationToken.None);

        var write = async () => await encrypting.WriteAsync(new byte[1]);

        await write.Should().ThrowAsync<InvalidOperationException>();
        encrypting.CanWrite.Should().BeFalse();
    }
}
