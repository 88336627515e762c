using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Tests.Interop;
using DicomKit.Tests.IO;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// A Specific Character Set (0008,0005) that DicomKit does not know (a typo such as "ISOIR 192" is common in the
/// wild) made the whole read fail with DicomCharacterSetException, thrown while the element was appended; the
/// gateway could neither store nor forward the instance. Now the read succeeds, the bytes pass through, UIDs stay
/// readable, and only decoding text of that data set (and its items) reports the character set.
/// </summary>
public sealed class UnknownCharacterSetDoesNotFailTheRead : IDisposable
{
    private readonly TempDirectory _scratch = new("dicomkit-tests-");

    public void Dispose() => _scratch.Dispose();

    private static byte[] FileWithCharacterSet(string term)
    {
        var d = new DicomBytes().Text(0x0008, 0x0005, "CS", term).Text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
            .Text(0x0008, 0x0018, "UI", "1.2.826.0.1.3680043.10.1347.99.7");
        d.Header(0x0008, 0x1110, "SQ", DicomBytes.Undefined).Item().Text(0x0008, 0x1150, "UI", "1.2.3").Text(0x0010, 0x0010, "PN", "Item^Name").ItemEnd().SequenceEnd();
        d.Text(0x0010, 0x0010, "PN", "M\u00fcller^J");
        return DicomBytes.Part10(Synthetic.ExplicitLittle, d.ToArray());
    }

    [Fact]
    public void A_file_with_an_unknown_character_set_reads_and_writes_back_unchanged()
    {
        var path = Path.Combine(_scratch.Path, "in.dcm");
        File.WriteAllBytes(path, FileWithCharacterSet("ISOIR 192"));

        var file = DicomFile.Open(path);
        file.Dataset.GetString(new DicomTag(0x0008, 0x0018)).Should().Be("1.2.826.0.1.3680043.10.1347.99.7");
        var written = Path.Combine(_scratch.Path, "out.dcm");
        file.Save(written);

        File.ReadAllBytes(written)[(int)DicomFile.Open(written).DatasetOffset..].Should().Equal(File.ReadAllBytes(path)[(int)file.DatasetOffset..]);
    }

    [Fact]
    public void Decoding_a_name_under_an_unknown_character_set_reports_it_in_the_data_set_and_its_items()
    {
        var ds = DicomFile.Open(new MemoryStream(FileWithCharacterSet("ISOIR 192"))).Dataset;

        var top = () => ds.GetString(new DicomTag(0x0010, 0x0010));
        top.Should().Throw<DicomCharacterSetException>().WithMessage("*ISOIR 192*");
        var item = ds.GetSequence(new DicomTag(0x0008, 0x1110))!.Items[0];
        var nested = () => item.GetString(new DicomTag(0x0010, 0x0010));
        nested.Should().Throw<DicomCharacterSetException>();
        item.GetString(new DicomTag(0x0008, 0x1150)).Should().Be("1.2.3");
    }

    [Fact]
    public void A_known_character_set_still_decodes_names()
    {
        var ds = DicomFile.Open(new MemoryStream(FileWithCharacterSet("ISO_IR 100"))).Dataset;
        ds.GetString(new DicomTag(0x0010, 0x0010)).Should().Be("M\u00fcller^J");
    }
}
