using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// A file cut inside its 128-byte preamble (before "DICM") was taken for a bare implicit VR data set and read
/// "successfully" as a data set holding one empty element (0000,0000).
/// </summary>
public class TruncatedPreambleIsNotADataSet
{
    [Theory]
    [InlineData(4)]
    [InlineData(64)]
    [InlineData(128)]
    [InlineData(130)]
    public void A_file_cut_inside_the_preamble_fails_at_offset_zero(int length)
    {
        var bytes = new byte[length];
        if (length > 128) bytes[128] = (byte)'D';
        var act = () => DicomFile.Open(new MemoryStream(bytes));

        act.Should().Throw<DicomFormatException>().Which.Offset.Should().Be(0);
    }
}
