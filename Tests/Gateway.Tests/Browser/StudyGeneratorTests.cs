using DicomKit.Data;
using DicomKit.IO;

namespace Gateway.Tests.Browser;

/// <summary>
/// The studies the viewer tests send are what they claim to be: the phantom's geometry and values, and one study
/// per transfer syntax that DCMTK reads and that the gateway takes from storescu without conversion.
/// </summary>
public sealed class StudyGeneratorTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-studies-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_phantom_has_the_geometry_and_the_values_the_viewer_tests_expect()
    {
        var files = Phantom.Write(_dir.Path, slices: 3);
        files.Should().HaveCount(3);
        for (var k = 0; k < files.Count; k++)
        {
            var ds = DicomFile.Open(files[k]).Dataset;
            ds.GetString(Tags.InstanceNumber).Should().Be((k + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            ds.GetString(Tags.ImagePositionPatient).Should().EndWith("\\" + (k * Phantom.SliceSpacing).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
            ds.GetString(Tags.FrameOfReferenceUID).Should().Be(Phantom.DefaultUids.FrameOfReference);
        }
        Phantom.HuAt(5, 128, 128).Should().Be(Phantom.WaterHu);
        Phantom.HuAt(5, 40, 40).Should().Be(Phantom.BoneHu);
        Phantom.HuAt(5, 20, 230).Should().Be(Phantom.AirHu);
        Phantom.HuAt(5, 230, 230).Should().Be(-100);
        Phantom.ExpectedGray(Phantom.AirHu).Should().Be(0);
        Phantom.ExpectedGray(Phantom.BoneHu).Should().Be(255);
        Phantom.ExpectedGray(Phantom.WaterHu).Should().BeApproximately(102.3, 0.1);
        Enumerable.Range(0, 40).Select(k => Phantom.ExpectedGray(Phantom.MarkerHu(k))).Should().BeInAscendingOrder()
            .And.OnlyHaveUniqueItems().And.AllSatisfy(g => g.Should().BeInRange(1, 255));
    }

    [Fact]
    public async Task The_phantom_pixels_read_back_as_the_documented_HU_through_dcmdump()
    {
        var file = Phantom.Write(_dir.Path, slices: 8)[7];
        var dump = await ExternalTool.RunAsync("dcmdump", ["+P", "0028,0103", "+P", "0028,1052", "+P", "0028,1053", "+P", "0028,1050", "+P", "0028,1051", file], ExternalTool.LongTimeout);
        dump.ExitCode.Should().Be(0, dump.Output);
        dump.Output.Should().Contain("(0028,0103) US 1").And.Contain("[-1024]").And.Contain("[40]").And.Contain("[400]");
        // The marker of slice 7 is -150 + 70 = -80 HU, stored -80 + 1024 = 944, read at row 230, column 230.
        var raw = DicomFile.Open(file).Dataset[Tags.PixelData] as DicomElement;
        var pixels = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(raw!.Value.Memory.Span);
        pixels[230 * Phantom.Size + 230].Should().Be(944);
        pixels[128 * Phantom.Size + 128].Should().Be(1024);
        pixels[0].Should().Be(24);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Every_compressed_study_carries_its_transfer_syntax_and_DCMTK_reads_its_pixels(string name)
    {
        var variant = CompressedStudies.Named(name);
        var file = await CompressedStudies.WriteAsync(variant, _dir.Path);
        var dump = await ExternalTool.RunAsync("dcmdump", ["-M", "+P", "0002,0010", file], ExternalTool.LongTimeout);
        dump.ExitCode.Should().Be(0, dump.Output);
        DicomFile.Open(file).FileMetaInformation.GetString(new DicomTag(0x0002, 0x0010)).Should().Be(variant.TransferSyntaxUid);
        // dcmdjpeg/dcmdrle/dcmdjpls decode what DCMTK wrote: the pixel data is whole (JPEG 2000 DCMTK cannot decode).
        var decoder = name switch { "rle" => "dcmdrle", "jpeg-ls-lossless" => "dcmdjpls", _ when name.StartsWith("jpeg-", StringComparison.Ordinal) => "dcmdjpeg", _ => null };
        if (decoder is not null)
        {
            var decoded = await ExternalTool.RunAsync(decoder, [file, Path.Combine(_dir.Path, name + "-decoded.dcm")], ExternalTool.LongTimeout);
            decoded.ExitCode.Should().Be(0, decoded.Output);
        }
    }

    [Fact]
    public async Task The_gateway_takes_every_study_in_its_own_transfer_syntax_from_storescu()
    {
        await using var gw = await GatewayProcess.StartAsync();
        foreach (var variant in CompressedStudies.All)
        {
            var file = await CompressedStudies.WriteAsync(variant, Path.Combine(_dir.Path, "send"));
            var store = await ExternalTool.RunAsync("storescu", [.. CompressedStudies.StorescuOptions(variant), "-v", "-aec", "DICOMGATEWAY", "127.0.0.1",
                gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), file], ExternalTool.LongTimeout);
            store.ExitCode.Should().Be(0, $"{variant.Name}: {store.Output}");
            store.Output.Should().NotContain("unable to convert", $"{variant.Name} travels as it is");
        }
    }

    public static TheoryData<string> Variants() => [.. CompressedStudies.All.Select(v => v.Name)];
}
