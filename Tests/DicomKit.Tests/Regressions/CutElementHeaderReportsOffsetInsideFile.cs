using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Tests.IO;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// When an explicit VR header was cut between its VR and its length, the reader skipped past the end of the
/// (seekable) stream and reported the fault at an offset beyond the last byte of the file.
/// </summary>
public class CutElementHeaderReportsOffsetInsideFile
{
    [Theory]
    [InlineData(6)]  // after the VR of a long-header element
    [InlineData(8)]  // after its reserved bytes
    public void A_header_cut_after_its_VR_fails_within_the_file_naming_the_tag(int headerBytes)
    {
        var d = new DicomBytes().Text(0x0008, 0x0016, "UI", "1.2.3").Header(0x0011, 0x1010, "OB", 2).Raw([1, 2]).ToArray();
        var file = DicomBytes.Part10(Synthetic.ExplicitLittle, d);
        var cut = file.Length - 2 - 12 + headerBytes;

        var act = () => DicomFile.Open(new MemoryStream(file[..cut]));

        var e = act.Should().Throw<DicomFormatException>().Which;
        e.Tag.Should().Be(new DicomTag(0x0011, 0x1010));
        e.Offset.Should().BeLessThanOrEqualTo(cut);
    }
}
