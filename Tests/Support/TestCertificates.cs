namespace DicomGateway.Tests.Support;

/// <summary>A certificate and its key as PEM files.</summary>
internal sealed record PemPair(string CertificateFile, string KeyFile);

/// <summary>
/// A private CA and certificates it signs, made with openssl in a temporary directory: the server's names are
/// 127.0.0.1 and localhost, so peers on loopback can check them. Another CA (<see cref="CreateAsync"/> twice) makes
/// certificates that a peer trusting the first must refuse.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly TempDirectory _directory = new("dgw-certs-");

    private TestCertificates()
    {
    }

    public string Directory => _directory.Path;

    /// <summary>The CA certificate, for a peer's list of trusted roots.</summary>
    public string CaFile => Path.Combine(Directory, "ca.pem");

    private string CaKeyFile => Path.Combine(Directory, "ca.key");

    public static async Task<TestCertificates> CreateAsync()
    {
        var certificates = new TestCertificates();
        (await ExternalTool.RunAsync("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", certificates.CaKeyFile, "-out", certificates.CaFile, "-days", "2", "-subj", "/CN=DicomGateway Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")).ThrowIfFailed();
        return certificates;
    }

    /// <summary>A server certificate for 127.0.0.1 and localhost, signed by this CA.</summary>
    public Task<PemPair> IssueServerAsync(string name = "server") =>
        IssueAsync(name, "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost");

    /// <summary>A certificate for a peer that both listens and calls (Orthanc uses one for both): 127.0.0.1, either role.</summary>
    public Task<PemPair> IssuePeerAsync(string name) =>
        IssueAsync(name, "serverAuth,clientAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost");

    /// <summary>A client certificate with the common name <paramref name="name"/>, signed by this CA.</summary>
    public Task<PemPair> IssueClientAsync(string name = "client") => IssueAsync(name, "clientAuth", null);

    private async Task<PemPair> IssueAsync(string name, string usage, string? subjectAltName)
    {
        var key = Path.Combine(Directory, name + ".key");
        var request = Path.Combine(Directory, name + ".csr");
        var certificate = Path.Combine(Directory, name + ".pem");
        var extensions = Path.Combine(Directory, name + ".ext");
        await File.WriteAllTextAsync(extensions,
            $"basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage={usage}\n"
            + (subjectAltName is null ? "" : subjectAltName + "\n"));
        (await ExternalTool.RunAsync("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", request, "-subj", "/CN=" + name)).ThrowIfFailed();
        (await ExternalTool.RunAsync("openssl", "x509", "-req", "-in", request, "-CA", CaFile, "-CAkey", CaKeyFile, "-CAcreateserial",
            "-days", "2", "-out", certificate, "-extfile", extensions)).ThrowIfFailed();
        return new PemPair(certificate, key);
    }

    public void Dispose() => _directory.Dispose();
}
