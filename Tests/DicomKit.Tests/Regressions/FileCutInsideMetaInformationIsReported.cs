using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Tests.Interop;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// A file cut between two elements of its meta information read without error as a file with no data set
/// (and, when cut before (0002,0010), a guessed transfer syntax), although (0002,0000) said more was to come.
/// </summary>
public class FileCutInsideMetaInformationIsReported
{
    [Fact]
    public void A_file_cut_after_the_meta_group_length_fails_naming_the_group_length()
    {
        var whole = File.ReadAllBytes(TestPaths.Corpus("ct-16bit.dcm"));
        var act = () => DicomFile.Open(new MemoryStream(whole[..144])); // preamble, DICM, (0002,0000) UL

        act.Should().Throw<DicomFormatException>().Which.Tag.Should().Be(new DicomTag(0x0002, 0x0000));
    }

    [Fact]
    public void A_file_whose_meta_group_length_is_wrong_but_complete_still_reads()
    {
        var whole = File.ReadAllBytes(TestPaths.Corpus("ct-16bit.dcm"));
        whole[140] += 2; // (0002,0000) now claims two bytes more than the meta group holds

        DicomFile.Open(new MemoryStream(whole)).Dataset.Count.Should().BeGreaterThan(10);
    }
}
