using Xunit.Abstractions;
using DicomKit.IO;

namespace DicomKit.Tests.Interop;

/// <summary>dicom3tools' IOD verifier finds no error in files DicomKit writes from valid input.</summary>
public sealed class DciodvfyTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _scratch = new("dicomkit-tests-");

    public void Dispose() => _scratch.Dispose();

    /// <summary>Sources that dciodvfy accepts without error as DCMTK wrote them, and the syntaxes we write them in.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var source in new[] { "ct-16bit.dcm", "sc-8bit.dcm", "mf-8bit.dcm" })
            // Not deflated: dciodvfy cannot read a deflated data set at all (not even DCMTK's); dcmdump checks those.
            foreach (var ts in new[] { "1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.2" })
                data.Add(source, ts);
        foreach (var encapsulated in new[] { "sc-8bit.jpeg-baseline.dcm", "ct-16bit.jpeg-lossless.dcm", "ct-16bit.jpeg-ls.dcm", "ct-16bit.rle.dcm", "mf-8bit.rle.dcm", "mf-8bit.jpeg-baseline.dcm", "img2dcm-jpeg.dcm" })
            data.Add(encapsulated, "");
        return data;
    }

    /// <summary>Error lines of dciodvfy's report ("Error - ..."); warnings are allowed and written to the test output.</summary>
    private List<string> Errors(string file)
    {
        var r = ExternalTool.Run("dciodvfy", file);
        var lines = (r.StandardOutput + "\n" + r.StandardError).Split('\n');
        foreach (var warning in lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal)))
            output.WriteLine($"{Path.GetFileName(file)}: {warning}");
        return [.. lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal))];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_file_written_from_a_valid_source_has_no_dciodvfy_errors(string source, string transferSyntaxUid)
    {
        var input = TestPaths.Corpus(source);
        Errors(input).Should().BeEmpty($"the corpus source {source} must itself be valid for this test to mean anything");

        var written = Path.Combine(_scratch.Path, "written.dcm");
        var file = DicomFile.Open(input);
        file.Save(written, transferSyntaxUid.Length == 0 ? null : DicomTransferSyntax.FromUid(transferSyntaxUid));

        Errors(written).Should().BeEmpty();
    }

    [Fact]
    public void Dciodvfy_errors_are_recognised()
    {
        // A data set without its required attributes: the parser of the report must see errors, or the test above proves nothing.
        var path = Path.Combine(_scratch.Path, "bad.dcm");
        var ds = new DicomKit.Data.DicomDataset();
        ds.AddOrUpdate(new DicomKit.Data.DicomTag(0x0008, 0x0016), DicomKit.Data.DicomVR.UI, "1.2.840.10008.5.1.4.1.1.2");
        ds.AddOrUpdate(new DicomKit.Data.DicomTag(0x0008, 0x0018), DicomKit.Data.DicomVR.UI, "1.2.826.0.1.3680043.10.1347.99.2");
        new DicomFile(ds, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);

        Errors(path).Should().NotBeEmpty();
    }
}
