using System.Net;

namespace DicomGateway.Metrics;

/// <summary>The "Metrics" section: whether /metrics is served and who may read it (docs/metrics.md).</summary>
public sealed class MetricsOptions
{
    public const string SectionName = "Metrics";

    /// <summary>The shortest API key accepted: a short key could be guessed by a client that tries keys.</summary>
    public const int MinimumApiKeyLength = 16;

    /// <summary>Whether /metrics is served at all; when false the path is not mapped.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Client networks (CIDR, e.g. "10.1.2.0/24"; a bare address is a single host) that may read /metrics without a key.
    /// Empty means loopback only (<see cref="DefaultNetworks"/>), so that a scraper elsewhere needs either an entry here or
    /// the key. Empty rather than pre-filled because configuration binding appends to a list: a default in the list could
    /// never be taken out.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    public static IReadOnlyList<string> DefaultNetworks { get; } = ["127.0.0.0/8", "::1/128"];

    /// <summary>A bearer token that admits any client (<c>Authorization: Bearer &lt;key&gt;</c>); empty means none.</summary>
    public string? ApiKey { get; set; }

    public IEnumerable<string> Validate()
    {
        foreach (var network in AllowedNetworks)
        {
            if (!MetricsAccess.TryParseNetwork(network, out _))
                yield return $"Metrics:AllowedNetworks: '{network}' is not a network in CIDR form such as 10.1.2.0/24 or an address";
        }
        if (!string.IsNullOrEmpty(ApiKey) && ApiKey.Length < MinimumApiKeyLength)
            yield return $"Metrics:ApiKey must be at least {MinimumApiKeyLength} characters (or empty for none)";
    }

    internal IReadOnlyList<IPNetwork> ParsedNetworks() =>
        [.. (AllowedNetworks.Count == 0 ? DefaultNetworks : AllowedNetworks).Select(n => MetricsAccess.TryParseNetwork(n, out var parsed) ? parsed : throw new InvalidOperationException("Metrics:AllowedNetworks holds an entry that is not a network"))];
}
