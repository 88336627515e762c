namespace DicomGateway.Crypto;

/// <summary>The gateway's own key. Bound from the "Shipments" section of appsettings.json.</summary>
public sealed class CryptoOptions
{
    public const string Section = "Shipments";

    /// <summary>
    /// Base64 of exactly 32 bytes. When set, it is the gateway key and neither the systemd credential "gateway-key"
    /// nor <see cref="GatewayKeyFile"/> is read: for deployments that inject secrets through the environment
    /// (Shipments__GatewayKey). Losing it makes every study not yet sealed, every queued notification and every
    /// shipment's key share unreadable.
    /// </summary>
    public string? GatewayKey { get; set; }

    /// <summary>
    /// Where the key is kept when neither <see cref="GatewayKey"/> nor a systemd credential gives it; a relative path
    /// is taken from the content root (the directory of appsettings.json), never from the data directory, and a file
    /// inside the data directory is refused. Created (32 random bytes, mode 0600, directory 0700) on first start.
    /// Back it up apart from the data.
    /// </summary>
    public string GatewayKeyFile { get; set; } = "keys/gateway.key";

    internal static bool IsKey(string? base64)
    {
        Span<byte> decoded = stackalloc byte[64];
        return base64 is not null && Convert.TryFromBase64String(base64, decoded, out var written) && written == GatewayKeyring.KeySize;
    }
}
