using DicomGateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Health;

public static class HealthServiceCollectionExtensions
{
    /// <summary>Registers the readiness checks, bound to the "Health" section; the endpoints are mapped by <see cref="HealthEndpoints.MapHealth"/>.</summary>
    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddValidatedOptions<HealthOptions>(HealthOptions.Section, o => o.Validate());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Readiness>();
        return services;
    }
}
