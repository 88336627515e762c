using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Tests.Interop;

/// <summary>The comparison with dcmdump notices differences; otherwise the corpus tests would prove nothing.</summary>
public class DumpComparisonTests
{
    private static readonly string Source = TestPaths.Corpus("ct-16bit.dcm");

    private static List<string> CompareAfter(Action<DicomDataset> change)
    {
        var file = DicomFile.Open(Source);
        change(file.Dataset);
        return DumpComparison.Compare(file.Dataset, Dcmdump.Read(Source), explicitVR: true);
    }

    [Fact]
    public void An_unchanged_data_set_has_no_differences() => CompareAfter(_ => { }).Should().BeEmpty();

    [Fact]
    public void A_changed_string_is_noticed() =>
        CompareAfter(ds => ds.AddOrUpdate(new DicomTag(0x0010, 0x0020), DicomVR.LO, "PAT-0002")).Should().ContainSingle().Which.Should().Contain("(0010,0020)");

    [Fact]
    public void A_changed_number_is_noticed() =>
        CompareAfter(ds => ds.AddOrUpdate<ushort>(new DicomTag(0x0009, 0x1002), DicomVR.US, 7, 8, 10)).Should().ContainSingle().Which.Should().Contain("(0009,1002)");

    [Fact]
    public void A_changed_pixel_is_noticed() =>
        CompareAfter(ds =>
        {
            var px = ds.GetElement(new DicomTag(0x7FE0, 0x0010))!.Value.Memory.ToArray();
            px[100] ^= 1;
            ds.AddOrUpdate(new DicomElement(new DicomTag(0x7FE0, 0x0010), DicomVR.OW, ValueSource.FromBytes(px)));
        }).Should().ContainSingle().Which.Should().Contain("(7FE0,0010)");

    [Fact]
    public void A_changed_VR_is_noticed() =>
        CompareAfter(ds => ds.AddOrUpdate(new DicomElement(new DicomTag(0x0010, 0x0020), DicomVR.SH, ds.GetElement(new DicomTag(0x0010, 0x0020))!.Value)))
            .Should().ContainSingle().Which.Should().Contain("VR SH");

    [Fact]
    public void A_missing_element_is_noticed() =>
        CompareAfter(ds => ds.Remove(new DicomTag(0x0010, 0x0030))).Should().NotBeEmpty();

    [Fact]
    public void A_missing_sequence_item_is_noticed() =>
        CompareAfter(ds => ds.GetSequence(new DicomTag(0x0008, 0x1140))!.Items.RemoveAt(1)).Should().NotBeEmpty();

    [Fact]
    public void Dcmdump_lines_are_parsed_into_paths_through_sequence_items()
    {
        var dump = Dcmdump.Read(Source);

        dump.Should().Contain(e => e.Path == "(0008,1140)/1/(0040,A170)/0/(0008,0104)" && e.Value == "[Localizer]" && e.Length == 10);
        dump.Should().Contain(e => e.Path == "(0010,0010)" && e.Value == "[M\\303\\274ller^J\\303\\274rgen^^Dr.]");
        dump.Single(e => e.Path == "(0008,1140)").Should().Match<DumpEntry>(e => Dcmdump.ItemCount(e) == 2);
    }
}

/// <summary>Header-only reads stop where dcmdump's +sb stops.</summary>
public class StopAtTagTests
{
    [Theory]
    [InlineData("ct-16bit.dcm", "7fe0,0010")]
    [InlineData("ct-16bit.big.dcm", "0020,0000")]
    [InlineData("sc-8bit.jpeg-baseline.dcm", "7fe0,0010")]
    public void Reading_stops_before_the_given_tag_as_dcmdump_does(string name, string stopTag)
    {
        var path = TestPaths.Corpus(name);
        var file = DicomFile.Open(path, new DicomReadOptions { StopAtTag = DicomTag.Parse(stopTag) });
        var r = ExternalTool.Run("dcmdump", "-q", "+L", "-Un", "+Qo", "+sb", stopTag, path);

        file.Dataset.Should().NotContain(i => i.Tag >= DicomTag.Parse(stopTag));
        DumpComparison.Compare(file.Dataset, Dcmdump.Parse(r.StandardOutput), explicitVR: true).Should().BeEmpty();
    }
}
