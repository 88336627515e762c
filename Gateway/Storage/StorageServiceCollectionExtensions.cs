using DicomGateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the data directory, its free-space monitor and the ciphertext blob store, bound to the "Storage" section.</summary>
    public static IServiceCollection AddInstanceStorage(this IServiceCollection services)
    {
        services.AddValidatedOptions<StorageOptions>(StorageOptions.Section, o => o.Validate());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<FreeSpaceMonitor>();
        services.AddSingleton<StoragePaths>();
        services.AddSingleton<BlobStore>();
        services.AddMetricsSource<StorageMetrics>();
        return services;
    }
}
