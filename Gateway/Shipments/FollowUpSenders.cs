using System.Net;
using System.Net.Sockets;
using DicomGateway.Studies;

namespace DicomGateway.Shipments;

/// <summary>
/// Whether the instances of a follow-up generation came from the study's original sender: the same calling AE title,
/// compared exactly (case and spaces count), and the same remote address, compared without its port and with an
/// IPv4-mapped IPv6 address read as the IPv4 address it carries (a dual-stack listener reports IPv4 peers that way).
/// An address that is missing or not an IP address, on either side, is never the same: nothing shows that it is.
/// </summary>
public static class FollowUpSenders
{
    /// <summary>The senders among <paramref name="senders"/> that are not <paramref name="original"/>; empty when all are.</summary>
    public static IReadOnlyList<StudySender> Others(StudySender original, IEnumerable<StudySender> senders)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(senders);
        return [.. senders.Where(s => !IsSame(original, s))];
    }

    public static bool IsSame(StudySender original, StudySender sender)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(sender);
        return string.Equals(original.CallingAeTitle, sender.CallingAeTitle, StringComparison.Ordinal)
            && Address(original.RemoteHost) is { } a && Address(sender.RemoteHost) is { } b && a.Equals(b);
    }

    /// <summary>
    /// The IP address in <paramref name="remoteHost"/> (an address, or an address and port as <c>1.2.3.4:104</c> or
    /// <c>[::1]:104</c>), or null when there is none. IPv4 is accepted only in its dotted-quad form: the shorthand forms
    /// the parser also takes (<c>127.1</c>, <c>2130706433</c>) are never what a listener reports.
    /// </summary>
    public static IPAddress? Address(string? remoteHost)
    {
        if (string.IsNullOrWhiteSpace(remoteHost)) return null;
        var text = remoteHost.Trim();
        if (!IPEndPoint.TryParse(text, out var endPoint)) return null;
        var address = endPoint.Address;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var host = text.Contains(':', StringComparison.Ordinal) ? text[..text.IndexOf(':', StringComparison.Ordinal)] : text;
            if (host.Count(c => c == '.') != 3) return null;
        }
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
