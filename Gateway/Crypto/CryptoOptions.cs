namespace DicomGateway.Crypto;

/// <summary>The gateway's own key. Bound from the "Shipments" section of appsettings.json.</summary>
public sealed class CryptoOptions
{
    public const string Section = "Shipments";

    /// <summary>
    /// Base64 of exactly 32 bytes. When set, it is the gateway key and <see cref="GatewayKeyFile"/> is not read:
    /// for deployments that inject secrets through the environment (Shipments__GatewayKey). Losing it makes every
    /// study not yet sealed, and every queued notification, unreadable.
    /// </summary>
    public string? GatewayKey { get; set; }

    /// <summary>
    /// Where the key is kept when <see cref="GatewayKey"/> is not set, relative to the data directory. Created
    /// (32 random bytes, mode 0600) on first start. Back it up apart from the data directory.
    /// </summary>
    public string GatewayKeyFile { get; set; } = "keys/gateway.key";

    internal static bool IsKey(string? base64)
    {
        Span<byte> decoded = stackalloc byte[64];
        return base64 is not null && Convert.TryFromBase64String(base64, decoded, out var written) && written == GatewayKeyring.KeySize;
    }
}
