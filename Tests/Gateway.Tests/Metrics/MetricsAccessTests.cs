using System.Net;
using DicomGateway.Ingest;
using DicomGateway.Metrics;

namespace Gateway.Tests.Metrics;

public class MetricsAccessTests
{
    private const string Key = "0123456789abcdef-metrics";

    [Fact]
    public void By_default_only_loopback_may_read_and_a_stranger_gets_403()
    {
        var access = new MetricsAccess(new MetricsOptions());
        access.Decide(IPAddress.Loopback, null).Should().Be(MetricsAccessDecision.Allowed);
        access.Decide(IPAddress.IPv6Loopback, null).Should().Be(MetricsAccessDecision.Allowed);
        access.Decide(IPAddress.Parse("::ffff:127.0.0.1"), null).Should().Be(MetricsAccessDecision.Allowed);
        access.Decide(IPAddress.Parse("10.0.0.5"), null).Should().Be(MetricsAccessDecision.Forbidden);
        access.Decide(null, null).Should().Be(MetricsAccessDecision.Forbidden);
    }

    [Fact]
    public void A_configured_network_replaces_loopback_and_admits_its_addresses_only()
    {
        var access = new MetricsAccess(new MetricsOptions { AllowedNetworks = ["10.1.2.0/24", "192.0.2.7"] });
        access.Decide(IPAddress.Parse("10.1.2.200"), null).Should().Be(MetricsAccessDecision.Allowed);
        access.Decide(IPAddress.Parse("192.0.2.7"), null).Should().Be(MetricsAccessDecision.Allowed);
        access.Decide(IPAddress.Parse("10.1.3.1"), null).Should().Be(MetricsAccessDecision.Forbidden);
        access.Decide(IPAddress.Loopback, null).Should().Be(MetricsAccessDecision.Forbidden);
    }

    [Theory]
    [InlineData("Bearer " + Key, MetricsAccessDecision.Allowed)]
    [InlineData("bearer " + Key, MetricsAccessDecision.Allowed)]
    [InlineData("Bearer " + Key + "x", MetricsAccessDecision.Unauthorized)]
    [InlineData("Bearer 0123456789abcdef-metricz", MetricsAccessDecision.Unauthorized)]
    [InlineData("Bearer ", MetricsAccessDecision.Unauthorized)]
    [InlineData("Basic " + Key, MetricsAccessDecision.Unauthorized)]
    [InlineData(Key, MetricsAccessDecision.Unauthorized)]
    [InlineData(null, MetricsAccessDecision.Unauthorized)]
    public void With_a_key_a_client_outside_the_networks_needs_exactly_that_bearer_token(string? authorization, MetricsAccessDecision expected)
    {
        var access = new MetricsAccess(new MetricsOptions { AllowedNetworks = ["10.1.2.0/24"], ApiKey = Key });
        access.Decide(IPAddress.Parse("203.0.113.9"), authorization).Should().Be(expected);
    }

    [Fact]
    public void A_bearer_token_is_ignored_when_no_key_is_configured()
    {
        var access = new MetricsAccess(new MetricsOptions());
        access.Decide(IPAddress.Parse("203.0.113.9"), "Bearer anything-at-all-here").Should().Be(MetricsAccessDecision.Forbidden);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0/8")]
    [InlineData("10.0.0.1/8")]
    [InlineData("not-a-network")]
    [InlineData("")]
    [InlineData("::1/129")]
    public void A_malformed_network_is_refused_at_start_with_the_setting_named(string network)
    {
        var problems = new MetricsOptions { AllowedNetworks = [network] }.Validate().ToList();
        problems.Should().ContainSingle().Which.Should().StartWith("Metrics:AllowedNetworks");
    }

    [Fact]
    public void A_short_key_is_refused_at_start_without_quoting_it()
    {
        var problems = new MetricsOptions { ApiKey = "short-key" }.Validate().ToList();
        problems.Should().ContainSingle().Which.Should().Contain("Metrics:ApiKey").And.NotContain("short-key");
        new MetricsOptions { ApiKey = Key, AllowedNetworks = ["fd00::/8", "192.0.2.1"] }.Validate().Should().BeEmpty();
    }

    [Fact]
    public void A_calling_AE_title_is_a_label_only_for_a_registered_node()
    {
        static bool registered(string ae, IPAddress? address) => ae == "CT1" && Equals(address, IPAddress.Loopback);
        IngestMetrics.CallerLabel("CT1", IPAddress.Loopback, registered).Should().Be("CT1");
        IngestMetrics.CallerLabel("CT1", IPAddress.Parse("10.0.0.9"), registered).Should().Be(IngestMetrics.OtherCaller);
        IngestMetrics.CallerLabel("ATTACKER-0001", IPAddress.Loopback, registered).Should().Be(IngestMetrics.OtherCaller);
        IngestMetrics.CallerLabel("", IPAddress.Loopback, registered).Should().Be(IngestMetrics.OtherCaller);
        IngestMetrics.CallerLabel(null, IPAddress.Loopback, registered).Should().Be(IngestMetrics.OtherCaller);
        IngestMetrics.CallerLabel("CT1", IPAddress.Loopback, null).Should().Be(IngestMetrics.OtherCaller);
        Enumerable.Range(0, 1000).Select(i => IngestMetrics.CallerLabel($"RANDOM{i}", IPAddress.Loopback, registered)).Distinct().Should().ContainSingle();
    }

    [Fact]
    public void A_DIMSE_status_label_is_four_hex_digits()
    {
        IngestMetrics.StatusLabel(0x0000).Should().Be("0000");
        IngestMetrics.StatusLabel(0xA700).Should().Be("a700");
        IngestMetrics.StatusLabel(0x0111).Should().Be("0111");
    }
}
