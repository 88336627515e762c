using DicomKit.IO;
using DicomKit.Tests.Interop;

namespace DicomKit.Tests.IO;

/// <summary>Files without preamble or without meta information are recognised, and their syntax detected.</summary>
public class LayoutTests
{
    [Theory]
    [InlineData("ct-16bit.dcm", DicomFileLayout.Part10, "1.2.840.10008.1.2.1")]
    [InlineData("ct-16bit.no-preamble.dcm", DicomFileLayout.MetaWithoutPreamble, "1.2.840.10008.1.2.1")]
    [InlineData("ct-16bit.bare-implicit.dcm", DicomFileLayout.DatasetOnly, "1.2.840.10008.1.2")]
    [InlineData("ct-16bit.bare-explicit.dcm", DicomFileLayout.DatasetOnly, "1.2.840.10008.1.2.1")]
    [InlineData("ct-16bit.bare-big.dcm", DicomFileLayout.DatasetOnly, "1.2.840.10008.1.2.2")]
    public void The_layout_and_transfer_syntax_are_recognised(string name, DicomFileLayout layout, string transferSyntaxUid)
    {
        var file = DicomFile.Open(TestPaths.Corpus(name));

        file.Layout.Should().Be(layout);
        file.TransferSyntax.Uid.Should().Be(transferSyntaxUid);
        file.Dataset.GetString(new DicomKit.Data.DicomTag(0x0010, 0x0020)).Should().Be("PAT-0001");
    }

    [Theory]
    [InlineData("ct-16bit.bare-implicit.dcm", "ct-16bit.implicit.dcm")]
    [InlineData("ct-16bit.bare-explicit.dcm", "ct-16bit.dcm")]
    [InlineData("ct-16bit.bare-big.dcm", "ct-16bit.big.dcm")]
    public void A_bare_data_set_written_as_a_file_holds_the_same_data_set_bytes(string bare, string withMeta)
    {
        var file = DicomFile.Open(TestPaths.Corpus(bare));
        using var ms = new MemoryStream();
        file.Save(ms);

        var written = ms.ToArray();
        var reference = File.ReadAllBytes(TestPaths.Corpus(withMeta));
        var referenceOffset = (int)DicomFile.Open(TestPaths.Corpus(withMeta)).DatasetOffset;
        var writtenOffset = (int)DicomFile.Open(new MemoryStream(written)).DatasetOffset;
        written[writtenOffset..].Should().Equal(reference[referenceOffset..]);
    }
}
