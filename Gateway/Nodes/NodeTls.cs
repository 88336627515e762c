using System.Security.Cryptography.X509Certificates;
using DicomKit.Network;
using Microsoft.Extensions.Options;

namespace DicomGateway.Nodes;

/// <summary>
/// The TLS settings of an association the gateway opens to a registry node (forwarding, the C-ECHO test): null for a
/// node called in plain DICOM. The client certificate is read at each call, so a renewed one is used without a restart.
/// </summary>
public sealed class NodeTls
{
    private readonly NodeTlsOptions _options;
    private readonly HashSet<string> _aeTitles;
    private readonly DicomCertificateValidator _validateServer;

    public NodeTls(IOptions<NodeTlsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _aeTitles = new HashSet<string>(_options.AeTitles.Select(t => t.Trim()), StringComparer.Ordinal);
        _validateServer = DicomTls.ChainsTo(_options.CaPath is null ? null : NodeTlsOptions.LoadAuthorities(_options.CaPath), clientAuthentication: false);
    }

    /// <summary>
    /// True when the node with <paramref name="aeTitle"/> is called over TLS: its registry field <see cref="Node.Tls"/>
    /// (<paramref name="nodeTls"/>) says so, or the deprecated list <c>Nodes:Tls:AeTitles</c> names it.
    /// </summary>
    public bool Uses(string aeTitle, bool nodeTls) => nodeTls || _aeTitles.Contains(aeTitle.Trim());

    /// <summary>
    /// What <see cref="DicomClientOptions.Tls"/> gets for the node: its host name (or address) must be in its
    /// certificate, and the certificate must chain to <c>Nodes:Tls:CaFile</c>. The caller disposes the result.
    /// </summary>
    public Lease? For(string aeTitle, bool nodeTls)
    {
        if (!Uses(aeTitle, nodeTls))
            return null;
        var certificate = _options.CertificatePath is null ? null : X509Certificate2.CreateFromPemFile(_options.CertificatePath, _options.KeyPath);
        return new Lease(new DicomTlsClientOptions { ClientCertificate = certificate, ValidateServerCertificate = _validateServer }, certificate);
    }

    /// <summary>The options for one association, and the client certificate they hold until the association ends.</summary>
    public sealed class Lease(DicomTlsClientOptions options, X509Certificate2? certificate) : IDisposable
    {
        public DicomTlsClientOptions Options { get; } = options;

        public void Dispose() => certificate?.Dispose();
    }
}
