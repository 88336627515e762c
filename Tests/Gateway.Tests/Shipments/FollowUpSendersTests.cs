using System.Net;
using DicomGateway.Shipments;
using DicomGateway.Studies;

namespace Gateway.Tests.Shipments;

/// <summary>How a follow-up's sender is compared with the study's original sender, odd and missing addresses included.</summary>
public sealed class FollowUpSendersTests
{
    [Theory]
    [InlineData("10.0.0.5", "10.0.0.5")]
    [InlineData("10.0.0.5:104", "10.0.0.5")]
    [InlineData(" 10.0.0.5\t", "10.0.0.5")]
    [InlineData("::ffff:10.0.0.5", "10.0.0.5")]
    [InlineData("[::ffff:10.0.0.5]:4242", "10.0.0.5")]
    [InlineData("::1", "::1")]
    [InlineData("[::1]:104", "::1")]
    [InlineData("2001:db8::7", "2001:db8::7")]
    [InlineData("fe80::1%2", "fe80::1%2")]
    public void An_address_is_read_without_its_port_and_an_IPv4_mapped_one_as_IPv4(string remoteHost, string expected) =>
        FollowUpSenders.Address(remoteHost).Should().Be(IPAddress.Parse(expected));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("scanner.example.org")]
    [InlineData("10.0.0.5.7")]
    [InlineData("10.0.0.256")]
    [InlineData("10.5")]
    [InlineData("167772165")]
    [InlineData("10.0.0.5:99999")]
    [InlineData("[10.0.0.5]")]
    [InlineData("::g")]
    [InlineData("10.0.0.5\0")]
    public void What_is_not_an_IP_address_is_no_address(string? remoteHost) => FollowUpSenders.Address(remoteHost).Should().BeNull();

    [Theory]
    [InlineData("CT1", "10.0.0.5", true)]
    [InlineData("CT1", "10.0.0.5:5000", true)]
    [InlineData("CT1", "::ffff:10.0.0.5", true)]
    [InlineData("CT2", "10.0.0.5", false)]
    [InlineData("ct1", "10.0.0.5", false)]
    [InlineData(" CT1", "10.0.0.5", false)]
    [InlineData("CT1", "10.0.0.6", false)]
    [InlineData("CT1", null, false)]
    [InlineData("CT1", "not an address", false)]
    public void A_sender_is_the_original_only_with_the_same_AE_title_exactly_and_the_same_address(string callingAe, string? remoteHost, bool same) =>
        FollowUpSenders.IsSame(new StudySender("CT1", "10.0.0.5"), new StudySender(callingAe, remoteHost)).Should().Be(same);

    [Fact]
    public void An_original_sender_without_a_readable_address_matches_nobody_not_even_itself()
    {
        var unknown = new StudySender("CT1", null);
        FollowUpSenders.IsSame(unknown, unknown).Should().BeFalse();
        FollowUpSenders.IsSame(new StudySender("CT1", "garbage"), new StudySender("CT1", "garbage")).Should().BeFalse();
    }

    [Fact]
    public void Only_the_senders_that_differ_are_reported()
    {
        var original = new StudySender("CT1", "10.0.0.5");
        FollowUpSenders.Others(original, [original, new StudySender("CT1", "10.0.0.5:1234")]).Should().BeEmpty();
        FollowUpSenders.Others(original, [original, new StudySender("EVIL", "10.0.0.5")]).Should().Equal(new StudySender("EVIL", "10.0.0.5"));
    }
}
