using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Tests.Interop;

namespace DicomKit.Tests.IO;

/// <summary>Files built by hand for what DCMTK's tools do not make, checked against dcmdump all the same.</summary>
public sealed class SyntheticFileTests : IDisposable
{
    private readonly TempDirectory _scratch = new("dicomkit-tests-");

    public void Dispose() => _scratch.Dispose();

    private string Put(string name, byte[] bytes)
    {
        var path = Path.Combine(_scratch.Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void MatchesDcmdump(string path)
    {
        var file = DicomFile.Open(path);
        DumpComparison.Compare(file.Dataset, Dcmdump.Read(path), file.TransferSyntax.IsExplicitVR).Should().BeEmpty();
    }

    private static byte[] DatasetBytes(string path) => File.ReadAllBytes(path)[(int)DicomFile.Open(path).DatasetOffset..];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void All_34_VRs_read_as_dcmdump_reads_them(bool bigEndian)
    {
        var path = Put("all.dcm", Synthetic.AllVRs(bigEndian));
        var file = DicomFile.Open(path);

        file.Dataset.Select(i => i.VR).Distinct().Should().HaveCount(34);
        MatchesDcmdump(path);
    }

    [Fact]
    public void All_34_VRs_have_the_same_values_in_both_byte_orders()
    {
        var little = DicomFile.Open(Put("le.dcm", Synthetic.AllVRs(false))).Dataset;
        var big = DicomFile.Open(Put("be.dcm", Synthetic.AllVRs(true))).Dataset;

        foreach (var e in little.OfType<DicomElement>())
        {
            var b = big.GetElement(e.Tag);
            b.Should().NotBeNull();
            b!.Value.Memory.ToArray().Should().Equal(e.Value.Memory.ToArray(), $"{e.Tag} {e.VR} is presented little endian whatever the file");
        }
        big.GetValues<long>(new DicomTag(0x0011, 0x1019)).Should().Equal(-9_000_000_000L, 42L);
        big.GetTags(new DicomTag(0x0011, 0x1003)).Should().Equal(new DicomTag(0x0010, 0x0010), new DicomTag(0x0028, 0x0010));
    }

    [Theory]
    [InlineData(false, Synthetic.ExplicitBig)]
    [InlineData(true, Synthetic.ExplicitLittle)]
    public void All_34_VRs_convert_between_byte_orders_exactly_as_built_by_hand(bool sourceBig, string targetUid)
    {
        var source = Put("source.dcm", Synthetic.AllVRs(sourceBig));
        var expected = Put("expected.dcm", Synthetic.AllVRs(!sourceBig));
        var written = Path.Combine(_scratch.Path, "written.dcm");
        DicomFile.Open(source).Save(written, DicomTransferSyntax.FromUid(targetUid));

        DatasetBytes(written).Should().Equal(DatasetBytes(expected));
        DumpDiff.Between(Dcmdump.Read(expected), Dcmdump.Read(written)).Should().BeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_undefined_length_UN_element_is_read_as_an_implicit_little_endian_sequence(bool bigEndian)
    {
        var path = Put("un.dcm", Synthetic.UndefinedLengthUN(bigEndian));
        var ds = DicomFile.Open(path).Dataset;

        var sq = ds.GetSequence(new DicomTag(0x0011, 0x1001));
        sq.Should().NotBeNull();
        sq!.VR.Should().Be(DicomVR.UN);
        sq.Items.Should().HaveCount(2);
        sq.Items[0].GetString(new DicomTag(0x0011, 0x1002)).Should().Be("implicit text");
        sq.Items[0].GetSequence(new DicomTag(0x0011, 0x1003))!.Items[0].GetString(new DicomTag(0x0011, 0x1004)).Should().Be("deep");
        sq.Items[1].GetString(new DicomTag(0x0011, 0x1002)).Should().Be("second");
        ds.GetString(new DicomTag(0x0011, 0x1010)).Should().Be("after");
        MatchesDcmdump(path);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_undefined_length_UN_element_is_written_back_byte_for_byte(bool bigEndian)
    {
        var path = Put("un.dcm", Synthetic.UndefinedLengthUN(bigEndian));
        var written = Path.Combine(_scratch.Path, "written.dcm");
        DicomFile.Open(path).Save(written);

        DatasetBytes(written).Should().Equal(DatasetBytes(path));
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.4.90")]   // JPEG 2000 lossless
    [InlineData("1.2.840.10008.1.2.4.91")]   // JPEG 2000
    [InlineData("1.2.840.10008.1.2.4.201")]  // HTJ2K lossless
    [InlineData("1.2.840.10008.1.2.4.203")]  // HTJ2K
    [InlineData("1.2.840.10008.1.2.4.100")]  // MPEG2 MP@ML
    [InlineData("1.2.840.10008.1.2.4.102")]  // MPEG-4 AVC/H.264
    [InlineData("1.2.840.10008.1.2.4.107")]  // HEVC/H.265
    [InlineData("1.2.840.10008.1.2.4.110")]  // JPEG XL lossless
    [InlineData("1.2.999.42")]               // a syntax from the future
    public void Fragments_and_offset_table_pass_through_untouched(string transferSyntaxUid)
    {
        var path = Put("enc.dcm", Synthetic.Encapsulated(transferSyntaxUid));
        var file = DicomFile.Open(path);

        file.TransferSyntax.Uid.Should().Be(transferSyntaxUid);
        var px = file.Dataset[new DicomTag(0x7FE0, 0x0010)].Should().BeOfType<DicomFragmentSequence>().Subject;
        px.OffsetTable.Memory.ToArray().Should().Equal(DicomBytes.LE(0u, 24u));
        px.Fragments.Select(f => f.Length).Should().Equal(16L, 0L, 6L);
        MatchesDcmdump(path);

        var written = Path.Combine(_scratch.Path, "written.dcm");
        file.Save(written);
        DatasetBytes(written).Should().Equal(DatasetBytes(path));
    }

    [Fact]
    public void Odd_length_values_are_read_with_their_length_and_padded_when_written()
    {
        var d = new DicomBytes();
        d.Text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
        d.Text(0x0010, 0x0010, "PN", "Odd^Name", pad: false).Text(0x0010, 0x0020, "LO", "ABC", pad: false);
        d.Header(0x0011, 0x0010, "LO", 4).Raw("ODD "u8).Header(0x0011, 0x1001, "OB", 3).Raw([1, 2, 3]);
        var path = Put("odd.dcm", DicomBytes.Part10(Synthetic.ExplicitLittle, d.ToArray()));

        var file = DicomFile.Open(path);
        file.Dataset.GetElement(new DicomTag(0x0010, 0x0020))!.Length.Should().Be(3);
        file.Dataset.GetString(new DicomTag(0x0010, 0x0020)).Should().Be("ABC");
        file.Dataset.GetElement(new DicomTag(0x0011, 0x1001))!.Length.Should().Be(3);
        MatchesDcmdump(path);

        var written = Path.Combine(_scratch.Path, "written.dcm");
        file.Save(written);
        var dump = Dcmdump.Read(written);
        dump.Single(e => e.Path == "(0010,0020)").Should().Match<DumpEntry>(e => e.Length == 4 && e.Value == "[ABC]");
        dump.Single(e => e.Path == "(0011,1001)").Should().Match<DumpEntry>(e => e.Length == 4 && e.Value == "01\\02\\03\\00");
    }

    [Fact]
    public void Meta_information_without_preamble_but_with_DICM_is_read()
    {
        var withPreamble = Synthetic.AllVRs(false);
        var path = Put("nopre.dcm", withPreamble[128..]);
        var file = DicomFile.Open(path);

        file.Layout.Should().Be(DicomFileLayout.MetaWithoutPreamble);
        file.TransferSyntax.Should().Be(DicomTransferSyntax.ExplicitVRLittleEndian);
        file.Dataset.Count.Should().Be(DicomFile.Open(Put("pre.dcm", withPreamble)).Dataset.Count);
    }
}
