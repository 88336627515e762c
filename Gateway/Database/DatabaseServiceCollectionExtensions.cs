using Microsoft.Extensions.DependencyInjection;

namespace DicomGateway.Database;

public static class DatabaseServiceCollectionExtensions
{
    /// <summary>Registers the SQLite index, bound to the "Database" section. Requires the instance storage paths.</summary>
    public static IServiceCollection AddGatewayDatabase(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Path), "Database:Path must name a file").ValidateOnStart();
        services.AddSingleton<GatewayDatabase>();
        return services;
    }
}
