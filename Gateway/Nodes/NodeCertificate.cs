using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace DicomGateway.Nodes;

/// <summary>
/// The certificate a node must present when it calls over TLS: its SHA-256 thumbprint, or its subject and issuer
/// distinguished names. Thumbprints are kept as 64 upper-case hex digits; names compare as sets of attributes (type and
/// value), values case-insensitively with runs of white space made one space, so "CN=ct1, O=Clinic" written by an
/// administrator matches the "/O=Clinic/CN=CT1" openssl printed.
/// </summary>
public sealed class NodeCertificate
{
    private readonly string? _thumbprint;
    private readonly string? _subject;
    private readonly string? _issuer;

    private NodeCertificate(string? thumbprint, string? subject, string? issuer)
    {
        _thumbprint = thumbprint;
        _subject = subject;
        _issuer = issuer;
    }

    /// <summary>The requirement of a stored node, or null when it has none (values as <see cref="NodeValidator"/> stored them).</summary>
    public static NodeCertificate? Of(string? thumbprint, string? subject, string? issuer)
    {
        if (NormaliseThumbprint(thumbprint) is { } t) return new NodeCertificate(t, null, null);
        return NormaliseName(subject) is { } s && NormaliseName(issuer) is { } i ? new NodeCertificate(null, s, i) : null;
    }

    /// <summary>Whether <paramref name="certificate"/> is the one required: same SHA-256 thumbprint, or same subject and issuer.</summary>
    public bool Matches(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (_thumbprint is not null)
            return string.Equals(Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)), _thumbprint, StringComparison.Ordinal);
        return string.Equals(Normalise(certificate.SubjectName), _subject, StringComparison.Ordinal)
            && string.Equals(Normalise(certificate.IssuerName), _issuer, StringComparison.Ordinal);
    }

    /// <summary>
    /// A SHA-256 thumbprint as 64 upper-case hex digits, colons and white space removed; null when <paramref name="text"/>
    /// is empty or not such a thumbprint.
    /// </summary>
    public static string? NormaliseThumbprint(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var digits = new string([.. text.Where(c => c != ':' && !char.IsWhiteSpace(c))]);
        return digits.Length == 64 && digits.All(char.IsAsciiHexDigit) ? digits.ToUpperInvariant() : null;
    }

    /// <summary>Why <paramref name="text"/> is not a SHA-256 thumbprint, or null when it is.</summary>
    public static string? ThumbprintProblem(string? text) =>
        NormaliseThumbprint(text) is null ? "A SHA-256 thumbprint is 64 hexadecimal digits (colons and spaces allowed between them)" : null;

    /// <summary>
    /// A distinguished name in its compared form, or null when <paramref name="text"/> is empty or not a name: RFC 4514
    /// ("CN=ct1, O=Clinic") or openssl's "/O=Clinic/CN=ct1" form.
    /// </summary>
    public static string? NormaliseName(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var trimmed = text.Trim();
        if (trimmed.StartsWith('/'))
            trimmed = string.Join(", ", trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        try
        {
            return Normalise(new X500DistinguishedName(trimmed));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Why <paramref name="text"/> is not a distinguished name, or null when it is.</summary>
    public static string? NameProblem(string? text) =>
        NormaliseName(text) is null ? "Not a distinguished name: write it as CN=name, O=organisation (or /O=organisation/CN=name)" : null;

    private static string? Normalise(X500DistinguishedName name)
    {
        var attributes = new List<string>();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements) return null;
            var value = rdn.GetSingleElementValue();
            if (string.IsNullOrWhiteSpace(value)) return null;
            attributes.Add(rdn.GetSingleElementType().Value + "=" + CollapseWhiteSpace(value).ToUpperInvariant());
        }
        if (attributes.Count == 0) return null;
        attributes.Sort(StringComparer.Ordinal);
        return string.Join("\n", attributes);
    }

    private static string CollapseWhiteSpace(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                if (builder.Length > 0 && builder[^1] != ' ') builder.Append(' ');
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}
