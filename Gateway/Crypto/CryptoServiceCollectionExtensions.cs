using DicomGateway.Database;
using DicomGateway.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Crypto;

public static partial class CryptoServiceCollectionExtensions
{
    /// <summary>
    /// Registers the gateway keyring, bound to the "Shipments" section, and the recording of its check value as the
    /// first hosted service. Needs <see cref="StoragePaths"/> (AddInstanceStorage) and the database's options
    /// (AddGatewayDatabase): the key is checked against the database before anything is written.
    /// </summary>
    public static IServiceCollection AddGatewayCrypto(this IServiceCollection services)
    {
        services.AddOptions<CryptoOptions>().BindConfiguration(CryptoOptions.Section)
            .Validate(o => string.IsNullOrEmpty(o.GatewayKey) || CryptoOptions.IsKey(o.GatewayKey), "Shipments:GatewayKey must be the base64 of exactly 32 bytes")
            .Validate(o => !string.IsNullOrWhiteSpace(o.GatewayKeyFile), "Shipments:GatewayKeyFile must name a file")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new GatewayKeyCustody(sp.GetRequiredService<IOptions<CryptoOptions>>(), sp.GetRequiredService<StoragePaths>(),
            sp.GetRequiredService<IHostEnvironment>(), sp.GetRequiredService<IOptions<DatabaseOptions>>(), Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY"),
            sp.GetRequiredService<ILogger<GatewayKeyCustody>>()));
        services.AddSingleton(sp => sp.GetRequiredService<GatewayKeyCustody>().Open());
        services.AddSingleton<ISecretProtector>(sp => sp.GetRequiredService<GatewayKeyring>());
        services.AddHostedService<GatewayKeyCheck>();
        return services;
    }

    /// <summary>
    /// Finds the gateway key and checks it against the database; call before any service is started or resolved, so
    /// that a refusal leaves the data directory as it was. False (the refusal logged) when the gateway must not start.
    /// </summary>
    public static bool OpenGatewayKey(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        try
        {
            services.GetRequiredService<GatewayKeyring>();
            return true;
        }
        catch (Exception e) when (e is GatewayKeyRefusedException or OptionsValidationException)
        {
            LogRefused(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayKeyCustody).FullName!), e.Message);
            return false;
        }
    }

    [LoggerMessage(EventId = 5010, Level = LogLevel.Critical, Message = "The gateway does not start: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
