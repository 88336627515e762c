using System.Net;
using DicomKit.Network;

namespace DicomGateway.Nodes;

/// <summary>
/// The rules for a node: a name; an AE title of 1 to 16 characters of the default character repertoire (PS3.5 6.2,
/// VR AE), no backslash or control characters, not only spaces (leading and trailing spaces are not significant and
/// are trimmed); a host name or IP address; a port from 1 to 65535; at most 32 calling addresses (IP addresses, CIDR
/// networks, host names); a transfer syntax preference of standard UIDs and "compressed"; a certificate requirement of
/// either a SHA-256 thumbprint or a subject and an issuer (<see cref="NodeCertificate"/>), only for a node allowed to send.
/// </summary>
public static class NodeValidator
{
    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 1000;
    public const int MaxAeTitleLength = 16;
    public const int MaxCallingAddresses = 32;
    public const int MaxTransferSyntaxes = 64;
    public const int MaxCertificateFieldLength = 1000;

    /// <summary>The node as it will be stored (trimmed), or the problems found.</summary>
    public static (NodeInput? Valid, IReadOnlyDictionary<string, string[]> Errors) Check(NodeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0) Add("name", "A name is required");
        else if (name.Length > MaxNameLength) Add("name", $"At most {MaxNameLength} characters");

        var aeTitle = input.AeTitle?.Trim(' ') ?? "";
        if (AeTitleProblem(input.AeTitle) is { } aeProblem) Add("aeTitle", aeProblem);

        var host = input.Host?.Trim() ?? "";
        if (host.Length == 0) Add("host", "A host name or IP address is required");
        else if (host.Length > 253 || Uri.CheckHostName(host) == UriHostNameType.Unknown) Add("host", "Not a host name or IP address");

        if (input.Port is not { } port) Add("port", "A port is required");
        else if (port is < 1 or > 65535) Add("port", "The port must be from 1 to 65535");

        var description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        if (description is { Length: > MaxDescriptionLength }) Add("description", $"At most {MaxDescriptionLength} characters");

        var callingAddresses = (input.CallingAddresses ?? []).Select(a => a?.Trim() ?? "").ToList();
        if (callingAddresses.Count > MaxCallingAddresses) Add("callingAddresses", $"At most {MaxCallingAddresses} addresses or networks");
        foreach (var entry in callingAddresses)
        {
            if (CallingAddressProblem(entry) is { } problem) Add("callingAddresses", problem);
        }

        var transferSyntaxes = (input.TransferSyntaxes ?? []).Select(t => t?.Trim() ?? "").ToList();
        if (transferSyntaxes.Count > MaxTransferSyntaxes) Add("transferSyntaxes", $"At most {MaxTransferSyntaxes} entries");
        foreach (var entry in transferSyntaxes)
        {
            if (DicomListenerOptions.TransferSyntaxPreferenceProblem(entry) is { } problem) Add("transferSyntaxes", problem);
        }

        var thumbprint = string.IsNullOrWhiteSpace(input.CertificateThumbprint) ? null : input.CertificateThumbprint.Trim();
        var subject = string.IsNullOrWhiteSpace(input.CertificateSubject) ? null : input.CertificateSubject.Trim();
        var issuer = string.IsNullOrWhiteSpace(input.CertificateIssuer) ? null : input.CertificateIssuer.Trim();
        if (thumbprint is { Length: > MaxCertificateFieldLength }) Add("certificateThumbprint", $"At most {MaxCertificateFieldLength} characters");
        else if (thumbprint is not null && NodeCertificate.ThumbprintProblem(thumbprint) is { } thumbprintProblem) Add("certificateThumbprint", thumbprintProblem);
        if (subject is { Length: > MaxCertificateFieldLength }) Add("certificateSubject", $"At most {MaxCertificateFieldLength} characters");
        else if (subject is not null && NodeCertificate.NameProblem(subject) is { } subjectProblem) Add("certificateSubject", subjectProblem);
        if (issuer is { Length: > MaxCertificateFieldLength }) Add("certificateIssuer", $"At most {MaxCertificateFieldLength} characters");
        else if (issuer is not null && NodeCertificate.NameProblem(issuer) is { } issuerProblem) Add("certificateIssuer", issuerProblem);
        if (thumbprint is not null && (subject is not null || issuer is not null))
            Add("certificateThumbprint", "Give either a thumbprint or a subject and issuer, not both");
        else if ((subject is null) != (issuer is null))
            Add(subject is null ? "certificateSubject" : "certificateIssuer", "A subject and an issuer go together");
        if ((thumbprint ?? subject ?? issuer) is not null && !input.AllowedToSend)
            Add("certificateThumbprint", "A certificate is what a node proves itself with when it sends: allow the node to send");

        if (errors.Count > 0) return (null, errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        return (input with
        {
            Name = name, AeTitle = aeTitle, Host = host, Description = description,
            CertificateThumbprint = NodeCertificate.NormaliseThumbprint(thumbprint), CertificateSubject = subject, CertificateIssuer = issuer,
            SealOnCommitment = input.SealOnCommitment ?? true,
            CallingAddresses = [.. callingAddresses.Distinct(StringComparer.OrdinalIgnoreCase)], TransferSyntaxes = [.. transferSyntaxes.Distinct(StringComparer.Ordinal)],
        }, new Dictionary<string, string[]>());
    }

    /// <summary>
    /// Why <paramref name="entry"/> is not an address a node may call from, or null when it is: an IP address, a CIDR
    /// network without host bits (10.0.0.0/8, not 10.0.0.1/8), or a host name. Shortened IPv4 forms ("10", "10.1") are
    /// refused: the resolver would read them as other addresses than an administrator means.
    /// </summary>
    public static string? CallingAddressProblem(string? entry)
    {
        var e = entry?.Trim() ?? "";
        if (e.Length == 0) return "An address cannot be empty";
        if (e.Length > 253) return $"'{Shorten(e)}' is too long for an address or host name";
        if (e.Contains('/', StringComparison.Ordinal))
        {
            var slash = e.IndexOf('/', StringComparison.Ordinal);
            if (!IsFullAddress(e[..slash]) || !IPNetwork.TryParse(e, out var network) || !network.BaseAddress.Equals(IPAddress.Parse(e[..slash])))
                return $"'{e}' is not a network: write the first address and the prefix length, e.g. 10.0.0.0/8";
            return null;
        }
        if (e.All(c => char.IsAsciiDigit(c) || c == '.'))
            return IsFullAddress(e) ? null : $"'{e}' is not an IPv4 address (four numbers from 0 to 255)";
        if (e.Contains(':', StringComparison.Ordinal))
            return IPAddress.TryParse(e, out _) ? null : $"'{e}' is not an IPv6 address";
        return Uri.CheckHostName(e) == UriHostNameType.Dns ? null : $"'{Shorten(e)}' is not a host name, IP address or network";
    }

    private static bool IsFullAddress(string text) =>
        IPAddress.TryParse(text, out var ip) && (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    /// <summary>Why <paramref name="aeTitle"/> is not a valid AE title, or null when it is.</summary>
    public static string? AeTitleProblem(string? aeTitle)
    {
        var trimmed = aeTitle?.Trim(' ') ?? "";
        if (trimmed.Length == 0) return "An AE title is required (and cannot be only spaces)";
        if (trimmed.Length > MaxAeTitleLength) return $"An AE title has at most {MaxAeTitleLength} characters";
        foreach (var c in trimmed)
        {
            if (c == '\\') return "An AE title cannot contain a backslash";
            if (c is < ' ' or > '~') return "An AE title may only contain printable ASCII characters (no control characters or accents)";
        }
        return null;
    }
}
