using System.IO.Compression;
using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Tests.Interop;

namespace DicomKit.Tests.IO;

/// <summary>
/// Bad input fails with a <see cref="DicomFormatException"/> that says where, never with an index error, an
/// end-of-stream exception or a hang.
/// </summary>
public class MalformedFileTests
{
    private static readonly DicomTag PixelData = new(0x7FE0, 0x0010);

    /// <summary>Reads, and returns the failure if it is the expected kind; any other exception fails the test.</summary>
    private static DicomFormatException? TryRead(byte[] bytes, DicomReadOptions? options = null, bool seekable = true)
    {
        try
        {
            using Stream s = seekable ? new MemoryStream(bytes, writable: false) : new NonSeekableStream(bytes);
            DicomFile.Open(s, options);
            return null;
        }
        catch (DicomFormatException e)
        {
            return e;
        }
    }

    /// <summary>As <see cref="TryRead"/>; what reads is also written back in its own transfer syntax.</summary>
    private static void TryReadAndWrite(byte[] bytes)
    {
        DicomFile file;
        try
        {
            file = DicomFile.Open(new MemoryStream(bytes, writable: false));
        }
        catch (DicomFormatException)
        {
            return;
        }
        file.Save(Stream.Null);
    }

    /// <summary>Where each top-level element of the data set ends, as DicomKit measures the file when it is whole.</summary>
    private static HashSet<long> ElementBoundaries(byte[] whole)
    {
        var file = DicomFile.Open(new MemoryStream(whole));
        var rules = DicomEncodingRules.Of(file.TransferSyntax);
        var boundaries = new HashSet<long> { file.DatasetOffset };
        var prefix = new DicomDataset();
        foreach (var item in file.Dataset)
        {
            prefix.AddOrUpdate(item);
            boundaries.Add(file.DatasetOffset + DicomDatasetWriter.DatasetLength(prefix, rules));
        }
        return boundaries;
    }

    private static readonly string[] SmallFileNames =
        ["ct-16bit.dcm", "ct-16bit.undefined-lengths.dcm", "ct-16bit.implicit.dcm", "ct-16bit.big.dcm", "sc-8bit.jpeg-baseline.dcm", "ct-16bit.bare-implicit.dcm"];

    public static TheoryData<string, bool> SmallFilesBothWays()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in SmallFileNames) { data.Add(name, true); data.Add(name, false); }
        return data;
    }

    [Theory]
    [MemberData(nameof(SmallFilesBothWays))]
    public void A_file_cut_at_any_offset_fails_with_a_format_exception_unless_cut_between_elements(string name, bool seekable)
    {
        var whole = File.ReadAllBytes(TestPaths.Corpus(name));
        var boundaries = ElementBoundaries(whole);
        var datasetOffset = DicomFile.Open(new MemoryStream(whole)).DatasetOffset;
        var wrongly = new List<string>();
        for (var cut = 0; cut < whole.Length; cut++)
        {
            var error = TryRead(whole[..cut], seekable: seekable);
            // Every fault inside the data set names its element, except a cut inside a tag, which cannot.
            if (error is not null && cut > datasetOffset && error.Tag is null && !error.Message.Contains("element tag", StringComparison.Ordinal))
                wrongly.Add($"cut at {cut}: no tag in '{error.Message}'");
            // A cut between two top-level elements leaves a well-formed, shorter file (at the data set offset: meta
            // information and an empty data set). Anywhere else the reader must notice.
            var mayRead = boundaries.Contains(cut) && cut > 0;
            if (error is null && !mayRead) wrongly.Add($"cut at {cut} read without error");
            if (error is not null && (error.Offset < 0 || error.Offset > cut)) wrongly.Add($"cut at {cut}: offset {error.Offset} is outside the data");
        }
        wrongly.Should().BeEmpty(string.Join("; ", wrongly.Take(30)));
    }

    [Fact]
    public void A_file_cut_inside_a_value_names_the_element_and_where_its_value_starts()
    {
        var whole = File.ReadAllBytes(TestPaths.Corpus("ct-16bit.dcm"));
        var error = TryRead(whole[..^100]);

        error.Should().NotBeNull();
        error!.Tag.Should().Be(PixelData);
        error.Message.Should().Contain("(7FE0,0010)").And.Contain(error.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_file_cut_inside_a_value_fails_on_a_stream_that_cannot_seek()
    {
        var whole = File.ReadAllBytes(TestPaths.Corpus("ct-16bit.dcm"));
        var error = TryRead(whole[..^100], new DicomReadOptions { LargeValueThreshold = 256 }, seekable: false);

        error.Should().NotBeNull();
        error!.Tag.Should().Be(PixelData);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_length_beyond_the_end_of_the_file_is_reported_with_its_tag(bool seekable)
    {
        var d = new DicomBytes().Text(0x0008, 0x0016, "UI", "1.2.3").Header(0x0010, 0x0010, "PN", 0xFFF0).Raw("Doe^John"u8);
        var error = TryRead(DicomBytes.Part10(Synthetic.ExplicitLittle, d.ToArray()), seekable: seekable);

        error.Should().NotBeNull();
        error!.Tag.Should().Be(new DicomTag(0x0010, 0x0010));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_4_GB_length_fails_before_anything_is_allocated_for_it(bool seekable)
    {
        var d = new DicomBytes().Text(0x0008, 0x0016, "UI", "1.2.3").Header(0x0011, 0x1010, "OB", 0xFFFFFFF0).Raw([1, 2, 3, 4]);
        var error = TryRead(DicomBytes.Part10(Synthetic.ExplicitLittle, d.ToArray()), seekable: seekable);

        error.Should().NotBeNull();
        error!.Tag.Should().Be(new DicomTag(0x0011, 0x1010));
    }

    [Fact]
    public void A_sequence_item_longer_than_the_file_is_reported_with_the_sequence_tag()
    {
        var d = new DicomBytes().Header(0x0040, 0xA730, "SQ", 100).Item(92).Text(0x0040, 0xA160, "UT", "x");
        var error = TryRead(DicomBytes.Part10(Synthetic.ExplicitLittle, d.ToArray()));

        error.Should().NotBeNull();
        error!.Tag.Should().Be(new DicomTag(0x0040, 0xA730));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Sequences_nested_128_deep_are_read(bool undefinedLengths)
    {
        var file = DicomFile.Open(new MemoryStream(Synthetic.Nested(128, undefinedLengths)));
        var ds = file.Dataset;
        for (var i = 0; i < 128; i++) ds = ds.GetSequence(new DicomTag(0x0040, 0xA730))!.Items[0];
        ds.GetString(new DicomTag(0x0040, 0xA160)).Should().Be("leaf");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Sequences_nested_129_deep_fail_with_the_sequence_tag(bool undefinedLengths)
    {
        var error = TryRead(Synthetic.Nested(129, undefinedLengths));

        error.Should().NotBeNull();
        error!.Tag.Should().Be(new DicomTag(0x0040, 0xA730));
        error.Message.Should().Contain("128");
    }

    [Fact]
    public void Sequences_nested_100000_deep_fail_without_overflowing_the_stack()
    {
        var error = TryRead(Synthetic.Nested(100_000, undefinedLengths: true));

        error.Should().NotBeNull();
    }

    [Fact]
    public void A_deflated_data_set_that_inflates_beyond_the_cap_fails()
    {
        var d = new DicomBytes().Text(0x0008, 0x0016, "UI", "1.2.3").Header(0x0011, 0x1010, "OB", 8 << 20).Raw(new byte[8 << 20]);
        var deflated = new MemoryStream();
        using (var z = new DeflateStream(deflated, CompressionLevel.Optimal, leaveOpen: true)) z.Write(d.ToArray());
        var bytes = DicomBytes.Part10("1.2.840.10008.1.2.1.99", deflated.ToArray());
        bytes.Length.Should().BeLessThan(64 * 1024, "the test is about a small file that inflates to a large one");

        var error = TryRead(bytes, new DicomReadOptions { MaxInflatedBytes = 1 << 20 });

        error.Should().NotBeNull();
        error!.Message.Should().Contain("cap");
        TryRead(bytes, new DicomReadOptions { MaxInflatedBytes = 16 << 20 }).Should().BeNull("under the cap the same file reads");
    }

    [Fact]
    public void A_corrupt_deflate_stream_fails_with_a_format_exception()
    {
        var good = File.ReadAllBytes(TestPaths.Corpus("ct-16bit.deflated.dcm"));
        var datasetOffset = (int)DicomFile.Open(new MemoryStream(good)).DatasetOffset;
        var bad = (byte[])good.Clone();
        for (var i = datasetOffset + 10; i < bad.Length; i += 7) bad[i] ^= 0x5A;

        TryRead(bad).Should().NotBeNull();
    }

    [Fact]
    public void A_preamble_alone_is_not_read_as_a_data_set()
    {
        TryRead(new byte[128]).Should().NotBeNull();
        TryRead([.. new byte[128], .. "DICM"u8]).Should().NotBeNull();
    }

    [Fact]
    public void An_empty_file_fails_with_a_format_exception()
    {
        TryRead([]).Should().NotBeNull();
    }

    [Fact]
    public void Garbage_bytes_fail_with_a_format_exception_or_read_never_anything_else()
    {
        var rng = new Random(20240102);
        for (var seed = 0; seed < 400; seed++)
        {
            var bytes = new byte[rng.Next(1, 4096)];
            rng.NextBytes(bytes);
            if (seed % 4 == 1) bytes = [.. new byte[128], .. "DICM"u8, .. bytes];
            if (seed % 4 == 2) bytes = [.. File.ReadAllBytes(TestPaths.Corpus("ct-16bit.dcm")).AsSpan(0, 600), .. bytes];
            var act = () => TryRead(bytes);
            act.Should().NotThrow($"garbage #{seed} must fail as a DicomFormatException if at all");
        }
    }

    [Theory]
    [InlineData("ct-16bit.undefined-lengths.dcm")]
    [InlineData("ct-16bit.implicit.dcm")]
    [InlineData("ct-16bit.big.dcm")]
    [InlineData("ct-16bit.deflated.dcm")]
    [InlineData("mf-8bit.rle.dcm")]
    [InlineData("ct-16bit.bare-explicit.dcm")]
    public void Flipped_bytes_in_a_real_file_fail_with_a_format_exception_or_read_never_anything_else(string name)
    {
        var whole = File.ReadAllBytes(TestPaths.Corpus(name));
        var rng = new Random(7);
        for (var i = 0; i < 800; i++)
        {
            var bytes = (byte[])whole.Clone();
            var at = rng.Next(0, Math.Min(whole.Length, 1400));
            bytes[at] = (byte)rng.Next(256);
            if (i % 3 == 0) bytes[rng.Next(0, whole.Length)] = 0xFF;
            var act = () => TryReadAndWrite(bytes);
            act.Should().NotThrow($"byte {at} set to {bytes[at]:X2} must fail as a DicomFormatException if at all, and what reads must write");
        }
    }

    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data, writable: false);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
