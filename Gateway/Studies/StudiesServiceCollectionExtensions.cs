using DicomGateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Studies;

public static class StudiesServiceCollectionExtensions
{
    /// <summary>
    /// Registers the study index (tables <c>studies</c> and <c>instances</c>): the store, the open studies with their
    /// keys in memory, the instance index's group commit, the keyed identifiers and the start-up repair. Requires the
    /// database, the blob store and the gateway key.
    /// </summary>
    public static IServiceCollection AddStudies(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StudyStore>();
        services.AddMetricsSource<StudiesMetrics>();
        services.TryAddSingleton<OpenStudies>();
        services.TryAddSingleton<InstanceIndex>();
        services.TryAddSingleton<StudyIdentifiers>();
        services.TryAddSingleton<Reconciler>();
        return services;
    }
}
