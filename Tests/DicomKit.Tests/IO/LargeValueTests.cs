using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Tests.Interop;

namespace DicomKit.Tests.IO;

/// <summary>Values over the threshold are not loaded: they stay byte ranges of the file they came from.</summary>
public sealed class LargeValueTests : IDisposable
{
    private static readonly DicomTag PixelData = new(0x7FE0, 0x0010);
    private static readonly DicomReadOptions SmallThreshold = new() { LargeValueThreshold = 256 };
    private readonly TempDirectory _scratch = new("dicomkit-tests-");

    public void Dispose() => _scratch.Dispose();

    private static byte[] InMemoryPixels(string name) =>
        DicomFile.Open(TestPaths.Corpus(name)).Dataset.GetElement(PixelData)!.Value.Memory.ToArray();

    [Theory]
    [InlineData("ct-16bit.dcm", 1)]
    [InlineData("ct-16bit.implicit.dcm", 1)]
    [InlineData("ct-16bit.big.dcm", 2)]
    public void Pixel_data_read_from_a_path_stays_a_range_of_the_file(string name, int swapUnit)
    {
        var path = TestPaths.Corpus(name);
        var px = DicomFile.Open(path, SmallThreshold).Dataset.GetElement(PixelData)!;

        var range = px.Value.Should().BeOfType<FileRangeValueSource>().Subject;
        range.Path.Should().Be(Path.GetFullPath(path));
        range.Length.Should().Be(2048);
        range.SwapUnit.Should().Be(swapUnit);
        range.IsInMemory.Should().BeFalse();
        px.Value.Memory.ToArray().Should().Equal(InMemoryPixels("ct-16bit.dcm"), "the range presents the same little-endian bytes");
    }

    [Fact]
    public void Small_values_are_still_held_in_memory()
    {
        var ds = DicomFile.Open(TestPaths.Corpus("ct-16bit.dcm"), SmallThreshold).Dataset;
        ds.GetElement(new DicomTag(0x0010, 0x0010))!.Value.Should().BeOfType<MemoryValueSource>();
    }

    [Theory]
    [InlineData("ct-16bit.dcm")]
    [InlineData("ct-16bit.big.dcm")]
    public void A_value_read_from_a_stream_is_spilled_encrypted_to_a_temporary_file(string name)
    {
        using var s = new MemoryStream(File.ReadAllBytes(TestPaths.Corpus(name)));
        var px = DicomFile.Open(s, SmallThreshold).Dataset.GetElement(PixelData)!;

        px.Value.Should().BeOfType<EncryptedSpillValueSource>();
        px.Value.Memory.ToArray().Should().Equal(InMemoryPixels("ct-16bit.dcm"));
    }

    [Fact]
    public void A_deflated_file_spills_large_values_even_when_read_from_a_path()
    {
        var px = DicomFile.Open(TestPaths.Corpus("ct-16bit.deflated.dcm"), SmallThreshold).Dataset.GetElement(PixelData)!;

        px.Value.Should().BeOfType<EncryptedSpillValueSource>();
        px.Value.Memory.ToArray().Should().Equal(InMemoryPixels("ct-16bit.dcm"));
    }

    [Theory]
    [InlineData("ct-16bit.dcm")]
    [InlineData("ct-16bit.big.dcm")]
    [InlineData("mf-8bit.rle.dcm")]
    public void A_file_whose_large_values_were_never_loaded_is_written_back_byte_for_byte(string name)
    {
        var source = TestPaths.Corpus(name);
        var file = DicomFile.Open(source, SmallThreshold);
        var written = Path.Combine(_scratch.Path, "out.dcm");
        file.Save(written);

        var before = File.ReadAllBytes(source)[(int)file.DatasetOffset..];
        var after = File.ReadAllBytes(written)[(int)DicomFile.Open(written).DatasetOffset..];
        after.Should().Equal(before);
    }

    [Fact]
    public void A_multi_frame_file_keeps_all_frames_in_one_range()
    {
        var file = DicomFile.Open(TestPaths.Corpus("mf-8bit.dcm"), SmallThreshold);

        file.Dataset.GetString(new DicomTag(0x0028, 0x0008)).Should().Be("4");
        file.Dataset.GetElement(PixelData)!.Value.Should().BeOfType<FileRangeValueSource>().Which.Length.Should().Be(4 * 16 * 16);
    }

    [Fact]
    public void Encapsulated_fragments_over_the_threshold_stay_ranges_too()
    {
        var file = DicomFile.Open(TestPaths.Corpus("ct-16bit.rle.dcm"), new DicomReadOptions { LargeValueThreshold = 64 });
        var px = file.Dataset[PixelData].Should().BeOfType<DicomFragmentSequence>().Subject;

        px.Fragments.Should().ContainSingle().Which.Should().BeOfType<FileRangeValueSource>();
    }
}
