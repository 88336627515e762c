using DicomGateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace DicomGateway.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Registers the audit trail, the counting of anonymous attempts (<see cref="AuditAggregator"/>) and the export to
    /// the audit record repository (<see cref="AuditExporter"/>, idle unless "Audit:Repository:Enabled"). Requires the
    /// database (<c>AddGatewayDatabase</c>). Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        if (services.Any(s => s.ServiceType == typeof(AuditTrail))) return services;
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<AuditAggregator>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditAggregator>());
        services.AddValidatedOptions<AuditRepositoryOptions>(AuditRepositoryOptions.Section, o => o.Validate().Select(p => "Audit:Repository: " + p))
            .Configure<IHostEnvironment>((options, environment) => options.ContentRoot = environment.ContentRootPath);
        services.AddSingleton<AuditExportCursor>();
        services.AddSingleton<AuditExporter>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditExporter>());
        return services;
    }
}
