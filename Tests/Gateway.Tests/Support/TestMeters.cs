using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Support;

/// <summary>A meter factory for a module's metrics class built by hand in a test (the host's comes from AddMetrics).</summary>
public static class TestMeters
{
    private static readonly Lazy<IMeterFactory> Shared = new(() => new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    public static IMeterFactory Factory => Shared.Value;
}
