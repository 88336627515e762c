using DicomGateway.Hosting;
using DicomGateway.Routing;
using DicomGateway.Studies;
using DicomKit.Network;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>Registers the DICOM listener bound to the "Dicom" section, storing into the instance store.</summary>
    public static IServiceCollection AddDicomIngest(this IServiceCollection services)
    {
        services.AddValidatedOptions<DicomListenerOptions>(DicomListenerOptions.SectionName, o => o.Validate().Select(p => "Dicom: " + p))
            // Besides its own AE title, the gateway answers to every called AE title a routing rule names.
            .Configure<RuleStore>((options, rules) => options.AcceptsCalledAeTitle = rules.AnswersToCalledAeTitle);
        services.TryAddSingleton(TimeProvider.System);
        services.AddStudies();
        services.AddSingleton<IStorageSink, EncryptingStorageSink>();
        services.AddHostedService<DicomListenerService>();
        return services;
    }
}
