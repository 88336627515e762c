using DicomGateway.Audit;
using DicomGateway.Commitment;
using DicomGateway.Hosting;
using DicomGateway.Routing;
using DicomGateway.Storage;
using DicomGateway.Studies;
using DicomKit.Network;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace DicomGateway.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>
    /// Registers the DICOM listeners bound to the "Dicom" section (plain) and "Dicom:Tls" (DICOM over TLS), storing into
    /// the instance store.
    /// </summary>
    public static IServiceCollection AddDicomIngest(this IServiceCollection services)
    {
        services.AddValidatedOptions<DicomListenerOptions>(DicomListenerOptions.SectionName, o => o.Validate().Select(p => "Dicom: " + p))
            // Besides its own AE title, the gateway answers to every called AE title a routing rule names.
            .Configure<RuleStore>((options, rules) => options.AcceptsCalledAeTitle = rules.AnswersToCalledAeTitle)
            // A refused caller is a security alert (node authentication). Anyone who reaches the port can cause one, so
            // the events are counted into one row per minute and kind rather than written one by one.
            .Configure<AuditAggregator, IngestMetrics>((options, aggregator, metrics) => options.CallerRefused = refusal =>
            {
                aggregator.Count(CallerAudit.Refused(refusal), refusal.Address?.ToString());
                metrics.Rejected(refusal, options.IsRegisteredNode);
            })
            .Configure<IngestMetrics>((options, metrics) => options.CallerAccepted = (caller, address) => metrics.Accepted(caller, address, options.IsRegisteredNode))
            // Storage Commitment Push Model SCP (docs/conformance.md): requests are kept by the Commitment module.
            .Configure<StorageCommitmentScp>((options, commitment) => options.StorageCommitmentHandler = commitment)
            // Below the free-space threshold a sender is told to come back later rather than fail instance by instance.
            .Configure<FreeSpaceMonitor>((options, freeSpace) => options.StorageUnavailable = () => freeSpace.Current().IsLow ? "the data directory is below its free-space threshold" : null);
        services.AddValidatedOptions<DicomTlsOptions>(DicomTlsOptions.SectionName, o => o.Validate().Select(p => "Dicom:Tls: " + p))
            .Configure<IHostEnvironment>((options, environment) => options.ContentRoot = environment.ContentRootPath);
        services.TryAddSingleton(TimeProvider.System);
        services.AddStudies();
        services.AddStorageCommitment();
        services.AddMetricsSource<IngestMetrics>();
        services.AddSingleton<IStorageSink, EncryptingStorageSink>();
        services.AddSingleton<ListenerStates>();
        services.AddHostedService<DicomListenerService>();
        services.AddHostedService<DicomTlsListenerService>();
        return services;
    }
}
