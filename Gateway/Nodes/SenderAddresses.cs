using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;

namespace DicomGateway.Nodes;

/// <summary>
/// The addresses each sending node's AE title may call from, resolved once per registry load so the listener's check
/// is a lookup in memory. A host name that does not resolve gives no address: its node is not recognised as a node
/// until the registry is loaded again (it may still send as a stranger when the allow-list lets it).
/// </summary>
internal sealed class SenderAddresses
{
    /// <summary>How long a host name may take to resolve: the listener waits for it, and a registry write too.</summary>
    internal static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(2);

    public static readonly SenderAddresses None = new(FrozenDictionary<string, FrozenSet<IPAddress>>.Empty);

    private readonly FrozenDictionary<string, FrozenSet<IPAddress>> _byAeTitle;

    private SenderAddresses(FrozenDictionary<string, FrozenSet<IPAddress>> byAeTitle) => _byAeTitle = byAeTitle;

    public bool Contains(string aeTitle, IPAddress remote) =>
        _byAeTitle.TryGetValue(aeTitle, out var addresses) && addresses.Contains(Normalise(remote));

    public static async Task<SenderAddresses> ResolveAsync(IEnumerable<(string AeTitle, string Host)> senders, CancellationToken cancellationToken)
    {
        var list = senders.ToList();
        // In parallel and bounded: a registry write waits for this, and one slow name server must not hold it up.
        var resolved = await Task.WhenAll(list.Select(s => AddressesOfAsync(s.Host, cancellationToken))).ConfigureAwait(false);
        var byAeTitle = new Dictionary<string, HashSet<IPAddress>>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            if (!byAeTitle.TryGetValue(list[i].AeTitle, out var set))
                byAeTitle[list[i].AeTitle] = set = [];
            foreach (var address in resolved[i])
                set.Add(Normalise(address));
        }
        return new SenderAddresses(byAeTitle.ToFrozenDictionary(e => e.Key, e => e.Value.ToFrozenSet(), StringComparer.Ordinal));
    }

    /// <summary>The addresses of <paramref name="host"/> (an address literal is itself), or none when it does not resolve in time.</summary>
    internal static async Task<IPAddress[]> AddressesOfAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
            return [literal];
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(LookupTimeout);
        try
        {
            return await Dns.GetHostAddressesAsync(host, bounded.Token).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return [];
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [];
        }
    }

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
