using DicomGateway.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Crypto;

public static class CryptoServiceCollectionExtensions
{
    /// <summary>
    /// Registers the gateway keyring, bound to the "Shipments" section. Needs <see cref="StoragePaths"/>
    /// (AddInstanceStorage), from whose data directory a relative key file is taken.
    /// </summary>
    public static IServiceCollection AddGatewayCrypto(this IServiceCollection services)
    {
        services.AddOptions<CryptoOptions>().BindConfiguration(CryptoOptions.Section)
            .Validate(o => string.IsNullOrEmpty(o.GatewayKey) || CryptoOptions.IsKey(o.GatewayKey), "Shipments:GatewayKey must be the base64 of exactly 32 bytes")
            .Validate(o => !string.IsNullOrWhiteSpace(o.GatewayKeyFile), "Shipments:GatewayKeyFile must name a file")
            .ValidateOnStart();
        services.AddSingleton(sp => new GatewayKeyring(sp.GetRequiredService<IOptions<CryptoOptions>>(), sp.GetRequiredService<StoragePaths>().DataDirectory,
            sp.GetRequiredService<ILogger<GatewayKeyring>>()));
        services.AddSingleton<ISecretProtector>(sp => sp.GetRequiredService<GatewayKeyring>());
        return services;
    }
}
