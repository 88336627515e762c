using DicomGateway.Hosting;
using DicomGateway.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Forwarding;

public static class ForwardingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the forwarding queue, the Storage SCU that sends it and the administration endpoints, bound to the
    /// "Forwarding" section. Requires the database, the blob store, the audit trail, an ISecretProtector and the node registry.
    /// </summary>
    public static IServiceCollection AddForwarding(this IServiceCollection services)
    {
        services.AddValidatedOptions<ForwardingOptions>(ForwardingOptions.Section, o => o.Validate());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ForwardQueue>();
        services.AddMetricsSource<ForwardingMetrics>();
        services.AddSingleton<INodeReferences, ForwardNodeReferences>();
        services.AddSingleton<StudyForwarder>();
        services.AddSingleton<IAdminEndpoints, ForwardEndpoints>();
        services.AddHostedService<ForwardingService>();
        return services;
    }
}
