using System.Text;
using DicomGateway.Audit;

namespace Gateway.Tests.Audit;

public sealed class SyslogMessageTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 1, 9, 30, 5, 7, TimeSpan.FromHours(1));

    [Fact]
    public void A_success_is_an_authpriv_notice_with_the_ihe_msgid_and_the_xml_after_a_bom()
    {
        var message = SyslogMessage.Format(AuditOutcome.Success, At, "gw.example.org", 4242, "<AuditMessage/>"u8);

        var header = "<85>1 2025-03-01T08:30:05.007Z gw.example.org DicomGateway 4242 IHE+RFC-3881 - "u8.ToArray();
        message.Should().Equal([.. header, 0xEF, 0xBB, 0xBF, .. "<AuditMessage/>"u8.ToArray()]);
    }

    [Theory]
    [InlineData(AuditOutcome.MinorFailure)]
    [InlineData(AuditOutcome.SeriousFailure)]
    [InlineData(AuditOutcome.MajorFailure)]
    public void A_failure_is_an_authpriv_warning(AuditOutcome outcome)
    {
        var message = SyslogMessage.Format(outcome, At, "gw", 1, "<x/>"u8);

        Encoding.ASCII.GetString(message).Should().StartWith("<84>1 ");
    }

    [Theory]
    [InlineData("", "-")]
    [InlineData("my host", "myhost")]
    [InlineData("h\u00e9te", "hte")]
    public void A_host_name_is_cut_to_printable_ascii_without_spaces(string host, string field)
    {
        var message = Encoding.ASCII.GetString(SyslogMessage.Format(AuditOutcome.Success, At, host, 1, "<x/>"u8));

        message.Split(' ')[2].Should().Be(field);
    }

    [Fact]
    public void Octet_counting_gives_the_length_in_bytes_not_characters()
    {
        var message = Encoding.UTF8.GetBytes("<13>1 - - - - - - \ufeff\u00e9\n");

        var frame = SyslogMessage.Frame(message);

        frame.Should().Equal([.. Encoding.ASCII.GetBytes($"{message.Length} "), .. message]);
        message.Length.Should().BeGreaterThan("<13>1 - - - - - - \ufeff\u00e9\n".Length, "the test must hold multi-byte characters");
    }
}
