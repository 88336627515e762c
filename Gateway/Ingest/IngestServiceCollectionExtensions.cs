using DicomGateway.Routing;
using DicomGateway.Studies;
using DicomKit.Network;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DicomGateway.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>Registers the DICOM listener bound to the "Dicom" section, storing into the instance store.</summary>
    public static IServiceCollection AddDicomIngest(this IServiceCollection services)
    {
        services.AddOptions<DicomListenerOptions>().BindConfiguration(DicomListenerOptions.SectionName).ValidateOnStart()
            // Besides its own AE title, the gateway answers to every called AE title a routing rule names.
            .Configure<RuleStore>((options, rules) => options.AcceptsCalledAeTitle = rules.AnswersToCalledAeTitle);
        services.AddSingleton<IValidateOptions<DicomListenerOptions>, DicomListenerOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddStudies();
        services.AddSingleton<IStorageSink, EncryptingStorageSink>();
        services.AddHostedService<DicomListenerService>();
        return services;
    }

    private sealed class DicomListenerOptionsValidator : IValidateOptions<DicomListenerOptions>
    {
        public ValidateOptionsResult Validate(string? name, DicomListenerOptions options)
        {
            var problems = options.Validate().Select(p => "Dicom: " + p).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
