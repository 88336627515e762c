using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Tests.IO;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// A file that ended inside an item of undefined length (or ran past the end of an item of defined length) failed
/// with no tag at all, leaving the administrator to guess which sequence was cut.
/// </summary>
public class CutItemNamesItsSequence
{
    [Fact]
    public void Data_ending_inside_an_undefined_length_item_names_the_sequence()
    {
        var d = new DicomBytes().Header(0x0040, 0xA730, "SQ", DicomBytes.Undefined).Item().Text(0x0040, 0xA160, "UT", "cut");
        var act = () => DicomFile.Open(new MemoryStream(DicomBytes.Part10(Synthetic.ExplicitLittle, d.ToArray())));

        act.Should().Throw<DicomFormatException>().Which.Tag.Should().Be(new DicomTag(0x0040, 0xA730));
    }

    [Fact]
    public void An_element_running_past_its_item_names_the_sequence()
    {
        var d = new DicomBytes().Header(0x0040, 0xA730, "SQ", 22).Item(14).Text(0x0040, 0xA160, "UT", "run past").Text(0x0008, 0x0016, "UI", "1.2");
        var act = () => DicomFile.Open(new MemoryStream(DicomBytes.Part10(Synthetic.ExplicitLittle, d.ToArray())));

        act.Should().Throw<DicomFormatException>().Which.Tag.Should().Be(new DicomTag(0x0040, 0xA730));
    }
}
