using DicomKit.IO;
using DicomKit.Tests.Interop;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// The writer used to drop group length elements (gggg,0000), so a file DCMTK wrote with group lengths never came
/// back byte-identical. It now recomputes them for the encoding being written, as DCMTK does by default.
/// </summary>
public sealed class GroupLengthsAreRecomputedNotDropped : IDisposable
{
    private readonly TempDirectory _dir = new("grouplength-");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("+te", "1.2.840.10008.1.2.1")]
    [InlineData("+ti", "1.2.840.10008.1.2")]
    [InlineData("+tb", "1.2.840.10008.1.2.2")]
    public void A_file_with_group_lengths_is_written_in_each_syntax_as_DCMTK_writes_it(string dcmconvSyntax, string uid)
    {
        var source = Path.Combine(_dir.Path, "with-group-lengths.dcm");
        ExternalTool.Run("dcmconv", "-q", "+g", "+te", TestPaths.Corpus("ct-16bit.dcm"), source).ExitCode.Should().Be(0);
        var theirs = Path.Combine(_dir.Path, "theirs.dcm");
        ExternalTool.Run("dcmconv", "-q", "+g", dcmconvSyntax, source, theirs).ExitCode.Should().Be(0);

        var ours = Path.Combine(_dir.Path, "ours.dcm");
        DicomFile.Open(source).Save(ours, DicomTransferSyntax.FromUid(uid));

        DatasetBytes(ours).Should().Equal(DatasetBytes(theirs));
    }

    private static byte[] DatasetBytes(string path) => File.ReadAllBytes(path)[(int)DicomFile.Open(path).DatasetOffset..];
}
