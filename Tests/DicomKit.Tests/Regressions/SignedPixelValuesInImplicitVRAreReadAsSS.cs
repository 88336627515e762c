using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Tests.Interop;
using DicomKit.Tests.IO;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// In implicit VR, "US or SS" pixel values (Smallest/Largest Image Pixel Value, Pixel Padding Value, ...) were
/// always read as US, the dictionary's first choice, even when Pixel Representation (0028,0103) said the pixels
/// are signed. Found with pydicom's MR_small_implicit.dcm (dcmdump: SS). Converted to explicit VR, a padding
/// value of -2000 became US 63536 for every peer. Now they are SS when the data set has Pixel Representation 1,
/// as DCMTK decides.
/// </summary>
public sealed class SignedPixelValuesInImplicitVRAreReadAsSS : IDisposable
{
    private readonly TempDirectory _scratch = new("dicomkit-tests-");

    public void Dispose() => _scratch.Dispose();

    private static byte[] ImplicitFile(ushort pixelRepresentation)
    {
        var d = new DicomBytes(explicitVR: false)
            .Text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.4")
            .Text(0x0008, 0x0018, "UI", "1.2.826.0.1.3680043.10.1347.99.8")
            .Binary(0x0028, 0x0103, "US", 2, DicomBytes.LE(pixelRepresentation))
            .Binary(0x0028, 0x0106, "SS", 2, DicomBytes.LE((short)-2000))
            .Binary(0x0028, 0x0120, "SS", 2, DicomBytes.LE((short)-2000));
        return DicomBytes.Part10(Synthetic.ImplicitLittle, d.ToArray());
    }

    [Fact]
    public void Signed_pixel_values_read_as_SS_and_stay_negative_in_explicit_VR()
    {
        var path = Path.Combine(_scratch.Path, "implicit.dcm");
        File.WriteAllBytes(path, ImplicitFile(pixelRepresentation: 1));

        var ds = DicomFile.Open(path).Dataset;
        ds[Tags.SmallestImagePixelValue]!.VR.Should().Be(DicomVR.SS);
        ds[Tags.PixelPaddingValue]!.VR.Should().Be(DicomVR.SS);
        ds.GetValue<int>(Tags.PixelPaddingValue).Should().Be(-2000);

        var explicitPath = Path.Combine(_scratch.Path, "explicit.dcm");
        DicomFile.Open(path).Save(explicitPath, DicomTransferSyntax.ExplicitVRLittleEndian);
        var dump = ExternalTool.Run("dcmdump", "-q", "+P", "0028,0120", explicitPath).StandardOutput;
        dump.Should().Contain("SS -2000");
    }

    [Fact]
    public void Unsigned_pixels_keep_US()
    {
        var ds = DicomFile.Open(new MemoryStream(ImplicitFile(pixelRepresentation: 0))).Dataset;
        ds[Tags.SmallestImagePixelValue]!.VR.Should().Be(DicomVR.US);
        ds[Tags.PixelPaddingValue]!.VR.Should().Be(DicomVR.US);
    }
}
