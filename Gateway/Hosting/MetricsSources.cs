using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Hosting;

/// <summary>
/// A module's class of instruments (docs/metrics.md). Observable gauges exist only once their class is constructed, so
/// the metrics exporter constructs every registered source at start rather than waiting for the first use.
/// </summary>
public interface IMetricsSource;

public static class MetricsSources
{
    /// <summary>Registers <typeparamref name="T"/> as a singleton that is also constructed when /metrics is served.</summary>
    public static IServiceCollection AddMetricsSource<T>(this IServiceCollection services) where T : class, IMetricsSource
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton<T>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, T>(sp => sp.GetRequiredService<T>()));
        return services;
    }
}
