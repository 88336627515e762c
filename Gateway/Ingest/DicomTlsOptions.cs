using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DicomKit.Network;

namespace DicomGateway.Ingest;

/// <summary>
/// DICOM over TLS on its own port (section "Dicom:Tls"): on whenever a certificate is configured. Relative paths are
/// resolved against the content root, the directory of appsettings.json.
/// </summary>
public sealed class DicomTlsOptions
{
    public const string SectionName = "Dicom:Tls";

    /// <summary>2762 is the port registered for DICOM over TLS; 0 lets the system choose (tests).</summary>
    public int Port { get; set; } = 2762;

    /// <summary>The server certificate, PEM; the chain's intermediates may follow it in the same file.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The certificate's private key, PEM, unencrypted (the file's permissions protect it).</summary>
    public string? KeyFile { get; set; }

    public DicomClientCertificateMode ClientCertificates { get; set; } = DicomClientCertificateMode.None;

    /// <summary>PEM file of the authorities whose client certificates are trusted; empty trusts the system store.</summary>
    public string? CaFile { get; set; }

    /// <summary>True serves DICOM over TLS only: the plain port <c>Dicom:Port</c> is not opened.</summary>
    public bool Only { get; set; }

    /// <summary>Set from the host environment, not from configuration: where relative paths start.</summary>
    internal string ContentRoot { get; set; } = Directory.GetCurrentDirectory();

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificateFile);

    internal string CertificatePath => Path.GetFullPath(CertificateFile!, ContentRoot);

    internal string KeyPath => Path.GetFullPath(KeyFile!, ContentRoot);

    internal string? CaPath => string.IsNullOrWhiteSpace(CaFile) ? null : Path.GetFullPath(CaFile, ContentRoot);

    /// <summary>
    /// Checks the shape of the settings and that the files load, so a wrong path or a key that does not match the
    /// certificate stops the gateway at start rather than failing every handshake.
    /// </summary>
    public IEnumerable<string> Validate()
    {
        if (Port is < 0 or > 65535)
            yield return "Port must be 0-65535";
        if (!Enabled)
        {
            if (!string.IsNullOrWhiteSpace(KeyFile))
                yield return "KeyFile is set but CertificateFile is not";
            if (Only)
                yield return "Only needs CertificateFile and KeyFile: without them the gateway would not listen at all";
            yield break;
        }
        if (string.IsNullOrWhiteSpace(KeyFile))
        {
            yield return "CertificateFile needs KeyFile";
            yield break;
        }
        var problem = LoadProblem(() => ServerCertificateSource.Load(CertificatePath, KeyPath).Dispose(), "CertificateFile/KeyFile");
        if (problem is not null)
            yield return problem;
        if (CaPath is not null)
        {
            problem = LoadProblem(() => LoadAuthorities(CaPath), "CaFile");
            if (problem is not null)
                yield return problem;
        }
    }

    /// <summary>The certificates of a PEM file of authorities; an empty file is an error, not "trust nothing".</summary>
    internal static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        return authorities.Count > 0 ? authorities : throw new CryptographicException("the file holds no certificate");
    }

    private static string? LoadProblem(Action load, string what)
    {
        try
        {
            load();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return $"{what} cannot be loaded: {e.Message}";
        }
    }
}
