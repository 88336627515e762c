using DicomGateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Prometheus;

namespace DicomGateway.Metrics;

public static class MetricsServiceCollectionExtensions
{
    public const string Path = "/metrics";

    /// <summary>Binds the "Metrics" section. The instruments themselves live in the modules that own the numbers.</summary>
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        services.AddValidatedOptions<MetricsOptions>(MetricsOptions.SectionName, o => o.Validate());
        services.AddSingleton(sp => new MetricsAccess(sp.GetRequiredService<IOptions<MetricsOptions>>().Value));
        services.AddSingleton(_ => new MeterBridge(Prometheus.Metrics.DefaultRegistry));
        // The library's process and GC collectors stay. Its meter and event-counter adapters go: they export counters as
        // gauges with names promtool rejects, and the framework's internal meters (QUIC, name resolution) add series
        // nobody reads; the gateway's meters go through MeterBridge.
        Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressMeters = true, SuppressDebugMetrics = true });
        return services;
    }

    /// <summary>
    /// Serves the Prometheus exposition at /metrics behind the access rule. prometheus-net's meter adapter exports every
    /// System.Diagnostics.Metrics instrument of the process, besides its own process and runtime metrics.
    /// </summary>
    public static WebApplication UseGatewayMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Enabled) return app;
        var access = app.Services.GetRequiredService<MetricsAccess>();
        // The bridge listens before any instrument exists, and every module's instruments exist before the first scrape.
        _ = app.Services.GetRequiredService<MeterBridge>();
        _ = app.Services.GetServices<IMetricsSource>().ToList();
        app.UseWhen(context => context.Request.Path.Equals(Path, StringComparison.Ordinal), branch => branch.Use(async (context, next) =>
        {
            switch (access.Decide(context.Connection.RemoteIpAddress, context.Request.Headers.Authorization))
            {
                case MetricsAccessDecision.Allowed:
                    await next(context).ConfigureAwait(false);
                    return;
                case MetricsAccessDecision.Unauthorized:
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    return;
                default:
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return;
            }
        }));
        // The access rule above is the only one: the administration sign-in does not apply to a scraper.
        app.MapMetrics(Path).AllowAnonymous();
        return app;
    }
}
