using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>Registers the audit trail and the counting of anonymous attempts (<see cref="AuditAggregator"/>). Requires the database (<c>AddGatewayDatabase</c>).</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AuditTrail>();
        services.TryAddSingleton<AuditAggregator>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditAggregator>());
        return services;
    }
}
