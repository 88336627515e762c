using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DicomGateway.Nodes;

/// <summary>
/// What the gateway calls registry nodes over TLS with (forwarding and the C-ECHO test; section "Nodes:Tls"): its client
/// certificate and the authorities it trusts. Which nodes are called over TLS is each node's <see cref="Node.Tls"/>;
/// <see cref="AeTitles"/> is the older way, kept so that existing configurations go on working. Relative paths start at
/// the content root, the directory of appsettings.json.
/// </summary>
public sealed class NodeTlsOptions
{
    public const string SectionName = "Nodes:Tls";

    /// <summary>
    /// Deprecated: set the node's "tls" field instead. AE titles (compared exactly, trimmed) of further nodes called over
    /// TLS, whatever their field says.
    /// </summary>
    public List<string> AeTitles { get; set; } = [];

    /// <summary>The gateway's client certificate, PEM, for nodes that require one; empty sends none.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>Its private key, PEM, unencrypted.</summary>
    public string? KeyFile { get; set; }

    /// <summary>PEM file of the authorities trusted to sign the nodes' certificates; empty trusts the system store.</summary>
    public string? CaFile { get; set; }

    /// <summary>Set from the host environment, not from configuration: where relative paths start.</summary>
    internal string ContentRoot { get; set; } = Directory.GetCurrentDirectory();

    internal string? CertificatePath => string.IsNullOrWhiteSpace(CertificateFile) ? null : Path.GetFullPath(CertificateFile, ContentRoot);

    internal string? KeyPath => string.IsNullOrWhiteSpace(KeyFile) ? null : Path.GetFullPath(KeyFile, ContentRoot);

    internal string? CaPath => string.IsNullOrWhiteSpace(CaFile) ? null : Path.GetFullPath(CaFile, ContentRoot);

    /// <summary>Checks that the files named load, so a wrong path stops the gateway at start rather than every forward.</summary>
    public IEnumerable<string> Validate()
    {
        if (AeTitles.Any(string.IsNullOrWhiteSpace))
            yield return "AeTitles must not hold an empty title";
        if ((CertificatePath is null) != (KeyPath is null))
            yield return "CertificateFile and KeyFile go together";
        else if (CertificatePath is not null && Problem(() => X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath).Dispose()) is { } certificate)
            yield return "CertificateFile/KeyFile cannot be loaded: " + certificate;
        if (CaPath is not null && Problem(() => LoadAuthorities(CaPath)) is { } authorities)
            yield return "CaFile cannot be loaded: " + authorities;
    }

    /// <summary>The certificates of a PEM file of authorities; an empty file is an error, not "trust nothing".</summary>
    internal static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        return authorities.Count > 0 ? authorities : throw new CryptographicException("the file holds no certificate");
    }

    private static string? Problem(Action load)
    {
        try
        {
            load();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return e.Message;
        }
    }
}
