using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DicomGateway.Audit;

/// <summary>How audit messages reach the audit record repository: syslog over TLS (RFC 5425) or UDP (RFC 5426).</summary>
public enum AuditTransport
{
    Tls,
    Udp,
}

/// <summary>
/// The hospital's audit record repository (section "Audit:Repository", docs/audit.md). Relative paths start at the
/// content root, the directory of appsettings.json.
/// </summary>
public sealed class AuditRepositoryOptions
{
    public const string Section = "Audit:Repository";

    /// <summary>Off by default: the trail stays in the database only.</summary>
    public bool Enabled { get; set; }

    public string? Host { get; set; }

    /// <summary>0 takes the transport's registered port: 6514 for TLS (RFC 5425), 514 for UDP (RFC 5426).</summary>
    public int Port { get; set; }

    public AuditTransport Transport { get; set; } = AuditTransport.Tls;

    /// <summary>PEM file of the authorities that sign the repository's certificate; required for TLS.</summary>
    public string? CaFile { get; set; }

    /// <summary>The gateway's client certificate, PEM, for a repository that asks for one (mutual TLS, as IHE ATNA has it).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>Its private key, PEM, unencrypted.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Set from the host environment, not from configuration: where relative paths start.</summary>
    internal string ContentRoot { get; set; } = Directory.GetCurrentDirectory();

    internal int EffectivePort => Port != 0 ? Port : Transport == AuditTransport.Tls ? 6514 : 514;

    internal string? CaPath => Resolve(CaFile);

    internal string? CertificatePath => Resolve(CertificateFile);

    internal string? KeyPath => Resolve(KeyFile);

    private string? Resolve(string? file) => string.IsNullOrWhiteSpace(file) ? null : Path.GetFullPath(file, ContentRoot);

    /// <summary>Nothing is checked while the export is off, so that a half-written section does not stop the gateway.</summary>
    public IEnumerable<string> Validate()
    {
        if (!Enabled) yield break;
        if (string.IsNullOrWhiteSpace(Host))
            yield return "Host is required when Enabled is true";
        if (Port is < 0 or > 65535)
            yield return $"Port must be from 1 to 65535 (0 takes the transport's default), not {Port}";
        if (!Enum.IsDefined(Transport))
            yield return "Transport must be Tls or Udp";
        if (Transport != AuditTransport.Tls) yield break;
        if (CaPath is null)
            yield return "CaFile is required for Transport Tls: the repository's certificate is checked against it";
        else if (Problem(() => LoadAuthorities(CaPath)) is { } authorities)
            yield return "CaFile cannot be loaded: " + authorities;
        if ((CertificatePath is null) != (KeyPath is null))
            yield return "CertificateFile and KeyFile go together";
        else if (CertificatePath is not null && Problem(() => LoadClientCertificate().Dispose()) is { } certificate)
            yield return "CertificateFile/KeyFile cannot be loaded: " + certificate;
    }

    /// <summary>The certificates of the CA file; an empty file is an error, not "trust nothing".</summary>
    internal static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        return authorities.Count > 0 ? authorities : throw new CryptographicException("the file holds no certificate");
    }

    internal X509Certificate2 LoadClientCertificate() => X509Certificate2.CreateFromPemFile(CertificatePath!, KeyPath);

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
