using System.Security.Cryptography;
using DicomGateway.Studies;

namespace Gateway.Tests.Studies;

/// <summary>An instance's summary in the index: readable with its study's key only, and refused when damaged.</summary>
public sealed class SummaryCodecTests
{
    private static readonly InstanceHeader Header = new()
    {
        StudyInstanceUid = "1.2.3", SopClassUid = "1.2.840.10008.5.1.4.1.1.2", SopInstanceUid = "1.2.3.4", TransferSyntaxUid = "1.2.840.10008.1.2.1",
        PatientName = "Novák^Jan", PatientId = "P-001", SeriesNumber = 3,
    };

    [Fact]
    public void A_summary_reads_back_as_written_under_its_study_key()
    {
        var key = RandomNumberGenerator.GetBytes(32);

        var summary = SummaryCodec.Encode(key, Header);

        SummaryCodec.Decode(key, summary).Should().Be(Header);
        summary.AsSpan().IndexOf("Novák"u8).Should().Be(-1, "the patient's name is never in the index in clear");
    }

    [Fact]
    public void A_summary_under_another_key_or_altered_or_cut_short_is_refused()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var summary = SummaryCodec.Encode(key, Header);
        var altered = summary.ToArray();
        altered[^1] ^= 1;

        ((Action)(() => SummaryCodec.Decode(RandomNumberGenerator.GetBytes(32), summary))).Should().Throw<CryptographicException>();
        ((Action)(() => SummaryCodec.Decode(key, altered))).Should().Throw<CryptographicException>();
        ((Action)(() => SummaryCodec.Decode(key, summary.AsSpan(0, 20)))).Should().Throw<CryptographicException>();
    }

    [Theory]
    [InlineData("P-001", "P-001")]
    [InlineData("P-001   ", "P-001")]
    [InlineData("P-001\0", "P-001")]
    [InlineData("  P-001 ", "P-001")]
    [InlineData("   ", null)]
    [InlineData("\0", null)]
    [InlineData(null, null)]
    public void A_header_value_loses_its_padding_and_an_empty_one_is_none(string? value, string? expected) =>
        HeaderValues.Clean(value).Should().Be(expected);
}
