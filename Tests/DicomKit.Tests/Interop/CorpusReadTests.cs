using DicomKit.IO;

namespace DicomKit.Tests.Interop;

/// <summary>Every file of the DCMTK-built corpus reads, and reads to what dcmdump sees in it.</summary>
public class CorpusReadTests
{
    public static TheoryData<string> Files() => [.. TestPaths.CorpusFiles()];

    [Fact]
    public void The_corpus_holds_every_kind_of_file_the_issue_asks_for()
    {
        var names = TestPaths.CorpusFiles().ToList();
        names.Should().Contain(["ct-16bit.dcm", "ct-16bit.implicit.dcm", "ct-16bit.big.dcm", "ct-16bit.deflated.dcm",
            "ct-16bit.bare-implicit.dcm", "ct-16bit.bare-explicit.dcm", "ct-16bit.bare-big.dcm", "ct-16bit.no-preamble.dcm",
            "sc-8bit.jpeg-baseline.dcm", "ct-16bit.jpeg-lossless.dcm", "ct-16bit.jpeg-ls.dcm", "ct-16bit.rle.dcm",
            "mf-8bit.dcm", "img2dcm-jpeg.dcm"]);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_element_matches_dcmdump(string name)
    {
        var path = TestPaths.Corpus(name);
        var file = DicomFile.Open(path);
        var dump = Dcmdump.Read(path);

        dump.Should().NotBeEmpty();
        var problems = DumpComparison.Compare(file.Dataset, dump, DumpComparison.StatesVR(file.TransferSyntax));
        problems.Should().BeEmpty($"{name} ({file.TransferSyntax.Name}) should read as dcmdump reads it");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Meta_information_matches_dcmdump(string name)
    {
        var path = TestPaths.Corpus(name);
        var file = DicomFile.Open(path);
        var r = ExternalTool.Run("dcmdump", "-q", "-Un", "+P", "0002,0010", path);
        if (name.Contains(".bare-", StringComparison.Ordinal))
        {
            file.Layout.Should().Be(DicomFileLayout.DatasetOnly);
            r.StandardOutput.Should().BeEmpty("a bare data set has no meta information");
            return;
        }
        var uid = r.StandardOutput.Split('[', ']')[1];
        file.TransferSyntax.Uid.Should().Be(uid);
    }
}
