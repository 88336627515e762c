using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace DicomGateway.Metrics;

/// <summary>The answer of the access rule for one request to /metrics.</summary>
public enum MetricsAccessDecision
{
    Allowed,
    /// <summary>A key is configured and the request did not present it: 401, so that a scraper knows to send one.</summary>
    Unauthorized,
    /// <summary>No key is configured and the client is outside the allowed networks: 403.</summary>
    Forbidden,
}

/// <summary>
/// Who may read /metrics: a client in <see cref="MetricsOptions.AllowedNetworks"/>, or any client presenting
/// <see cref="MetricsOptions.ApiKey"/> as a bearer token. The key is compared in constant time so that the time of an
/// answer tells nothing about how much of a guess was right.
/// </summary>
public sealed class MetricsAccess
{
    private readonly IReadOnlyList<IPNetwork> _networks;
    private readonly byte[]? _keyHash;

    public MetricsAccess(MetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _networks = options.ParsedNetworks();
        // Hashing both sides first makes the comparison independent of the lengths as well as of the bytes.
        _keyHash = string.IsNullOrEmpty(options.ApiKey) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.ApiKey));
    }

    public MetricsAccessDecision Decide(IPAddress? client, string? authorization)
    {
        if (_keyHash is not null && BearerToken(authorization) is { } token
            && CryptographicOperations.FixedTimeEquals(_keyHash, SHA256.HashData(Encoding.UTF8.GetBytes(token))))
            return MetricsAccessDecision.Allowed;
        if (client is not null)
        {
            var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
            if (_networks.Any(n => n.Contains(address))) return MetricsAccessDecision.Allowed;
        }
        return _keyHash is null ? MetricsAccessDecision.Forbidden : MetricsAccessDecision.Unauthorized;
    }

    /// <summary>Parses "a.b.c.d/n", "x::/n" or a bare address (a single host).</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Trim().Split('/');
        if (parts.Length > 2 || !TryParseAddress(parts[0], out var address)) return false;
        var full = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (parts.Length == 1)
        {
            network = new IPNetwork(address, full);
            return true;
        }
        if (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix) || prefix > full) return false;
        // Host bits set ("10.0.0.1/8") are refused rather than masked: the administrator meant something else.
        try
        {
            network = new IPNetwork(address, prefix);
        }
        catch (ArgumentException)
        {
            return false;
        }
        if (network.BaseAddress.Equals(address)) return true;
        network = default;
        return false;
    }

    /// <summary>An address in full: "10.0.0" or "10" (legacy shorthands IPAddress accepts) are refused.</summary>
    private static bool TryParseAddress(string text, out IPAddress address)
    {
        if (!IPAddress.TryParse(text, out address!)) return false;
        return address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || text.Count(c => c == '.') == 3;
    }

    private static string? BearerToken(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        var token = authorization[scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
