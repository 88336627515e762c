using DicomGateway.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DicomGateway.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the data directory and the ciphertext blob store, bound to the "Storage" section.</summary>
    public static IServiceCollection AddInstanceStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), "Storage:DataDirectory must name a directory").ValidateOnStart();
        services.AddSingleton<StoragePaths>();
        services.AddSingleton<BlobStore>();
        services.AddMetricsSource<StorageMetrics>();
        return services;
    }
}
