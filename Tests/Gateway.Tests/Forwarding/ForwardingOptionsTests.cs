using DicomGateway.Hosting;
using DicomGateway.Forwarding;
using DicomGateway.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Forwarding;

/// <summary>The backoff schedule and the settings an administrator could get wrong.</summary>
public sealed class ForwardingOptionsTests
{
    [Fact]
    public void Retry_delays_double_from_the_initial_delay_up_to_the_cap_less_at_most_a_fifth()
    {
        var options = new ForwardingOptions { InitialRetrySeconds = 10, MaxRetrySeconds = 900 };
        var ceilings = new[] { 10, 20, 40, 80, 160, 320, 640, 900, 900, 900 };

        for (var attempt = 1; attempt <= ceilings.Length; attempt++)
        {
            var ceiling = TimeSpan.FromSeconds(ceilings[attempt - 1]);
            var lowest = options.RetryDelay(attempt, new FixedRandom(0.999999));
            var highest = options.RetryDelay(attempt, new FixedRandom(0));
            highest.Should().Be(ceiling, $"attempt {attempt}");
            lowest.Should().BeCloseTo(ceiling * 0.8, TimeSpan.FromMilliseconds(5), $"attempt {attempt}");
        }
        options.RetryDelay(10_000).Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(900), "a huge attempt count neither overflows nor passes the cap");
    }

    [Theory]
    [InlineData("InitialRetrySeconds", "0")]
    [InlineData("MaxRetrySeconds", "5")]
    [InlineData("MaxAttempts", "0")]
    [InlineData("PollInterval", "00:00:00")]
    [InlineData("ResponseTimeout", "-00:00:01")]
    [InlineData("FailedRetention", "00:00:00")]
    [InlineData("FailedRetention", "-30.00:00:00")]
    public void A_wrong_setting_stops_the_gateway_at_start_with_its_name(string key, string value)
    {
        using var services = Services(new Dictionary<string, string?> { ["Forwarding:" + key] = value });

        var read = () => services.GetRequiredService<IOptions<ForwardingOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Forwarding:" + key);
    }

    [Fact]
    public void The_defaults_are_the_documented_ones_and_both_features_register_their_endpoints()
    {
        using var services = Services([]);

        var options = services.GetRequiredService<IOptions<ForwardingOptions>>().Value;
        (options.InitialRetrySeconds, options.MaxRetrySeconds, options.MaxAttempts).Should().Be((10d, 900d, 20));
        services.GetServices<IAdminEndpoints>().Select(e => e.GetType()).Should().BeEquivalentTo([typeof(NodeEndpoints), typeof(ForwardEndpoints)]);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging()
            .AddNodes()
            .AddForwarding()
            .BuildServiceProvider();

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
