using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>Registers the audit trail. Requires the database (<c>AddGatewayDatabase</c>).</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AuditTrail>();
        return services;
    }
}
