using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// Some writers (pydicom's RLE, JPEG-LS and JPEG 2000 samples among them) declare encapsulated pixel data as OW.
/// PS3.5 A.4 says OB; DicomKit used to copy the wrong VR through. It now writes OB and keeps the fragments untouched.
/// </summary>
public class EncapsulatedPixelDataIsWrittenAsOB
{
    [Fact]
    public void Encapsulated_pixel_data_read_as_OW_is_written_as_OB_with_the_same_fragments()
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7");
        ds.AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, "1.2.3.4");
        ds.AddOrUpdate(new DicomFragmentSequence(Tags.PixelData, DicomVR.OW, ValueSource.Empty,
            [ValueSource.FromBytes(new byte[] { 1, 2, 3, 4 }), ValueSource.FromBytes(new byte[] { 5, 6 })]));
        using var ms = new MemoryStream();
        new DicomFile(ds, DicomTransferSyntax.RLELossless).Save(ms);

        ms.Position = 0;
        var back = DicomFile.Open(ms);
        var pixels = back.Dataset[Tags.PixelData].Should().BeOfType<DicomFragmentSequence>().Subject;
        pixels.VR.Should().Be(DicomVR.OB);
        pixels.Fragments.Select(f => f.Memory.ToArray()).Should().BeEquivalentTo(new[] { new byte[] { 1, 2, 3, 4 }, new byte[] { 5, 6 } },
            o => o.WithStrictOrdering());
    }
}
