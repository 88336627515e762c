using System.Net;
using DicomGateway.Web;

namespace Gateway.Tests.Web;

/// <summary>Which requests share a rate-limit window: one IPv4 address, one IPv6 /64.</summary>
public sealed class RateLimitPartitionTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("::1", "::/64")]
    public void A_client_is_counted_by_its_address_or_its_IPv6_64(string address, string partition) =>
        RateLimits.PartitionOf(IPAddress.Parse(address)).Should().Be(partition);

    [Fact]
    public void A_request_without_a_client_address_shares_one_window() => RateLimits.PartitionOf(null).Should().Be("unknown");

    [Theory]
    [InlineData("not-an-ip", null, 10, 60, "Web:KnownProxies")]
    [InlineData(null, "10.0.0.0/33", 10, 60, "Web:KnownNetworks")]
    [InlineData(null, "10.0.0.1", 10, 60, "Web:KnownNetworks")]
    [InlineData(null, null, 0, 60, "Web:RateLimits:Unlock:PermitLimit")]
    [InlineData(null, null, 10, 0, "Web:RateLimits:Unlock:WindowSeconds")]
    [InlineData(null, null, 10, 86401, "Web:RateLimits:Unlock:WindowSeconds")]
    public void A_wrong_proxy_or_limit_setting_is_named(string? proxy, string? network, int permits, int seconds, string named)
    {
        var options = new WebOptions { RateLimits = { Unlock = new RateLimit { PermitLimit = permits, WindowSeconds = seconds } } };
        if (proxy is not null) options.KnownProxies.Add(proxy);
        if (network is not null) options.KnownNetworks.Add(network);
        options.Validate().Should().ContainSingle().Which.Should().StartWith(named);
    }

    [Fact]
    public void The_defaults_are_valid_and_believe_no_proxy()
    {
        var options = new WebOptions();
        options.Validate().Should().BeEmpty();
        options.KnownProxies.Should().BeEmpty();
        options.KnownNetworks.Should().BeEmpty();
    }
}
