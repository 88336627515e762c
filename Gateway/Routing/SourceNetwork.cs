using System.Net;
using System.Net.Sockets;

namespace DicomGateway.Routing;

/// <summary>
/// An IP address or CIDR network of a source address condition. IPv4-mapped IPv6 (::ffff:10.0.0.5, as a dual-stack
/// listener reports IPv4 peers) counts as the IPv4 address, on both sides, so "10.0.0.0/8" matches it.
/// </summary>
internal static class SourceNetwork
{
    public static bool TryParse(string? text, out IPNetwork network, out string? problem)
    {
        network = default;
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "is required: an IP address (10.0.0.5) or a network (10.1.0.0/16, 2001:db8::/32)";
            return false;
        }
        var t = text.Trim();
        var slash = t.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? t : t[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%', StringComparison.Ordinal))
        {
            problem = "is not an IP address or network (e.g. 10.0.0.5, 10.1.0.0/16, 2001:db8::/32)";
            return false;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3)
        {
            problem = "is not an IPv4 address in dotted form (e.g. 10.0.0.5, 10.1.0.0/16)";
            return false;
        }
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(t.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            problem = $"has a prefix length that is not 0 to {max}";
            return false;
        }
        if (address.IsIPv4MappedToIPv6 && prefix >= 96)
        {
            address = address.MapToIPv4();
            prefix -= 96;
        }
        if (!OnlyPrefixBitsSet(address, prefix))
        {
            problem = $"has bits set after the first {prefix} (write the network's first address, e.g. 10.1.0.0/16)";
            return false;
        }
        network = new IPNetwork(address, prefix);
        return true;
    }

    private static bool OnlyPrefixBitsSet(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0) return false;
        }
        return true;
    }

    /// <summary>The peer's address in comparable form; null when there is none or it is not an IP address.</summary>
    public static IPAddress? ParseAddress(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !IPAddress.TryParse(text.Trim(), out var address)) return null;
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
