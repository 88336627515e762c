using System.Buffers.Binary;
using DicomGateway.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>
/// Every change to a blob is refused with <see cref="ShipmentIntegrityException"/> by the streaming decryptor (over a
/// seekable and over a non-seekable source) and by the seekable view. The blob under test has four segments of
/// 16 bytes: 16, 16, 16 and 2 plaintext bytes.
/// </summary>
public class SegmentedBlobTamperingTests
{
    private const int Size = 16;
    private const int Length = 50;
    private const int SegmentStride = Size + SegmentedBlob.TagSize;

    private static Task<byte[]> Blob(uint ordinal = 1, int seed = 1) => Blobs.EncryptAsync(Blobs.Plaintext(Length, seed), Size, ordinal);

    private static int SegmentOffset(int index) => SegmentedBlob.HeaderSize + index * SegmentStride;

    private static async Task ShouldBeRefusedAsync(byte[] blob, uint ordinal = 1, byte[]? dataKey = null, string change = "the blob changed")
    {
        var streamed = () => Blobs.DecryptAsync(blob, ordinal, dataKey);
        await streamed.Should().ThrowAsync<ShipmentIntegrityException>("the streaming decryptor over a seekable source must refuse it when {0}", change);

        var unseekable = async () =>
        {
            using var plaintext = new MemoryStream();
            await SegmentedBlob.DecryptAsync(new ForwardOnlyStream(blob), plaintext, dataKey ?? Blobs.DataKey, ordinal, CancellationToken.None);
        };
        await unseekable.Should().ThrowAsync<ShipmentIntegrityException>("the streaming decryptor over a forward-only source must refuse it");

        var seekable = () => Blobs.ReadThroughSeekableAsync(blob, ordinal, dataKey);
        await seekable.Should().ThrowAsync<ShipmentIntegrityException>("the seekable view must refuse it");
    }

    [Fact]
    public async Task The_untouched_blob_decrypts()
    {
        var blob = await Blob();

        (await Blobs.DecryptAsync(blob)).Should().Equal(Blobs.Plaintext(Length));
    }

    [Theory]
    [InlineData(0, "magic")]
    [InlineData(3, "magic")]
    [InlineData(4, "version")]
    [InlineData(5, "algorithm")]
    [InlineData(6, "reserved")]
    [InlineData(7, "reserved")]
    [InlineData(8, "segment size")]
    [InlineData(11, "segment size")]
    [InlineData(12, "ordinal")]
    [InlineData(15, "ordinal")]
    [InlineData(16, "salt")]
    [InlineData(31, "salt")]
    [InlineData(32, "plaintext length")]
    [InlineData(39, "plaintext length")]
    public async Task A_flipped_header_bit_is_refused(int offset, string field)
    {
        var blob = await Blob();

        blob[offset] ^= 0x01;

        await ShouldBeRefusedAsync(blob, change: $"the {field} field changed");
    }

    [Fact]
    public async Task A_changed_salt_fails_every_segment_even_the_first()
    {
        var blob = await Blob();
        blob[20] ^= 0x80;

        await using var stream = new MemoryStream(blob);
        var open = () => SegmentedDecryptingStream.OpenAsync(stream, Blobs.DataKey, 1, leaveOpen: true);

        await open.Should().ThrowAsync<ShipmentIntegrityException>();
    }

    [Fact]
    public async Task A_shorter_length_with_the_blob_cut_to_match_is_refused()
    {
        var blob = (await Blob())[..SegmentOffset(3)];
        BinaryPrimitives.WriteUInt64BigEndian(blob.AsSpan(32), 3 * Size); // three full segments, the third now "final"

        await ShouldBeRefusedAsync(blob);
    }

    [Fact]
    public async Task A_length_one_byte_shorter_with_the_final_segment_cut_to_match_is_refused()
    {
        var original = await Blob();
        var blob = original[..^1];
        BinaryPrimitives.WriteUInt64BigEndian(blob.AsSpan(32), Length - 1);

        await ShouldBeRefusedAsync(blob);
    }

    [Fact]
    public async Task A_longer_length_with_bytes_appended_to_match_is_refused()
    {
        var blob = (await Blob()).Concat(new byte[Size]).ToArray();
        BinaryPrimitives.WriteUInt64BigEndian(blob.AsSpan(32), Length + Size);

        await ShouldBeRefusedAsync(blob);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_flipped_ciphertext_or_tag_bit_in_any_segment_is_refused(int segment)
    {
        var blob = await Blob();
        blob[SegmentOffset(segment) + 1] ^= 0x04;
        await ShouldBeRefusedAsync(blob);

        blob = await Blob();
        blob[SegmentOffset(segment) + Math.Min(SegmentStride, blob.Length - SegmentOffset(segment)) - 1] ^= 0x04; // last tag byte
        await ShouldBeRefusedAsync(blob);
    }

    [Fact]
    public async Task Truncation_at_a_segment_boundary_is_refused()
    {
        var blob = (await Blob())[..SegmentOffset(2)];

        await ShouldBeRefusedAsync(blob);
    }

    [Fact]
    public async Task Truncation_in_the_middle_of_a_segment_is_refused()
    {
        var blob = (await Blob())[..(SegmentOffset(1) + 20)];

        await ShouldBeRefusedAsync(blob);
    }

    [Fact]
    public async Task A_blob_cut_inside_its_header_is_refused()
    {
        var blob = (await Blob())[..30];

        await ShouldBeRefusedAsync(blob);
    }

    [Fact]
    public async Task Dropping_the_final_segment_is_refused()
    {
        var blob = (await Blob())[..SegmentOffset(3)];

        await ShouldBeRefusedAsync(blob);
    }

    [Fact]
    public async Task Swapping_two_segments_is_refused()
    {
        var blob = await Blob();
        var first = blob.AsSpan(SegmentOffset(0), SegmentStride).ToArray();
        blob.AsSpan(SegmentOffset(1), SegmentStride).CopyTo(blob.AsSpan(SegmentOffset(0)));
        first.CopyTo(blob.AsSpan(SegmentOffset(1)));

        await ShouldBeRefusedAsync(blob);
    }

    [Theory]
    [InlineData(2u)]
    [InlineData(1u)]
    public async Task A_segment_taken_from_another_blob_of_the_same_shipment_at_the_same_index_is_refused(uint otherOrdinal)
    {
        var blob = await Blob();
        var other = await Blob(otherOrdinal, seed: 1); // same data key, same plaintext, other salt (and maybe ordinal)
        other.AsSpan(SegmentOffset(1), SegmentStride).CopyTo(blob.AsSpan(SegmentOffset(1)));

        await ShouldBeRefusedAsync(blob);
    }

    [Fact]
    public async Task Bytes_appended_after_the_final_segment_are_refused()
    {
        var blob = (await Blob()).Append((byte)0).ToArray();

        await ShouldBeRefusedAsync(blob);
    }

    [Fact]
    public async Task A_blob_expected_at_another_position_in_the_shipment_is_refused()
    {
        var blob = await Blob(ordinal: 3);

        await ShouldBeRefusedAsync(blob, ordinal: 4);
    }

    [Fact]
    public async Task A_blob_decrypted_with_another_data_key_is_refused()
    {
        var blob = await Blob();
        var otherKey = (byte[])Blobs.DataKey.Clone();
        otherKey[0] ^= 1;

        await ShouldBeRefusedAsync(blob, dataKey: otherKey);
    }

    [Fact]
    public async Task The_refusal_message_names_no_key_material()
    {
        var blob = await Blob();
        blob[^1] ^= 1;

        var streamed = () => Blobs.DecryptAsync(blob);

        var refusal = await streamed.Should().ThrowAsync<ShipmentIntegrityException>();
        refusal.Which.Message.Should().NotContain(Convert.ToHexString(Blobs.DataKey)).And.NotContain(Convert.ToBase64String(Blobs.DataKey));
    }

    /// <summary>A source that cannot seek and reports no length: the streaming decryptor must not rely on either.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7)); // short reads too
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
