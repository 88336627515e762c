using DicomGateway.Hosting;
using DicomGateway.Routing;
using DicomKit.Network;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace DicomGateway.Nodes;

public static class NodesServiceCollectionExtensions
{
    /// <summary>
    /// Registers the DICOM node registry: the store (also routing's <see cref="INodeDirectory"/>), the C-ECHO test, the
    /// administration endpoints, and the listener's calling AE title check. Requires the database and the audit trail.
    /// Register before <c>AddDicomIngest</c>, so that the allow-list is loaded before the listener accepts associations.
    /// </summary>
    public static IServiceCollection AddNodes(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<NodeStore>();
        // Replaces routing's default directory, in which no node exists.
        services.AddSingleton<INodeDirectory>(sp => sp.GetRequiredService<NodeStore>());
        services.AddValidatedOptions<NodeTlsOptions>(NodeTlsOptions.SectionName, o => o.Validate().Select(p => "Nodes:Tls: " + p))
            .Configure<IHostEnvironment>((options, environment) => options.ContentRoot = environment.ContentRootPath);
        services.AddSingleton<NodeTls>();
        services.AddSingleton<NodeVerifier>();
        services.AddSingleton<IAdminEndpoints, NodeEndpoints>();
        services.AddHostedService<NodeRegistryLoader>();
        // When a node is allowed to send, only such nodes may associate, each from its addresses; otherwise
        // Dicom:AcceptUnknownCallers decides. A node's own transfer syntax list replaces the listener's. A node allowed
        // to send, calling from one of its addresses, may use the association slots kept for registered nodes.
        services.AddOptions<DicomListenerOptions>().Configure<NodeStore>((options, nodes) =>
        {
            options.IdentifyCaller = nodes.IdentifyCallerAsync;
            options.PreferredTransferSyntaxesFor = nodes.TransferSyntaxesFor;
            options.IsRegisteredNode = nodes.IsRegisteredNode;
        });
        return services;
    }

    /// <summary>Loads the allow-list snapshot at start, before the listener (registered later) starts.</summary>
    private sealed class NodeRegistryLoader(NodeStore nodes) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => nodes.LoadAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
