using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace DicomKit.Network;

/// <summary>Whether a TLS acceptor asks the peer for a certificate, and whether it may do without one.</summary>
public enum DicomClientCertificateMode
{
    /// <summary>No certificate is asked for; any TLS client is served.</summary>
    None,

    /// <summary>A certificate is asked for; a client without one is served, a client with one that fails validation is not.</summary>
    Optional,

    /// <summary>A client without a valid certificate fails the handshake.</summary>
    Required,
}

/// <summary>
/// Checks a peer's certificate. <paramref name="certificate"/> is null when the peer sent none; the chain is built
/// by the caller of the delegate, so the delegate decides which roots count.
/// </summary>
public delegate bool DicomCertificateValidator(X509Certificate2? certificate);

/// <summary>
/// TLS for a <see cref="DicomListener"/> (PS3.15 Annex B, the BCP 195 profile). Plain data: where the certificate
/// comes from and who may present one is the host's business, so both are delegates.
/// </summary>
public sealed class DicomTlsServerOptions
{
    /// <summary>
    /// The server certificate with its private key, asked at every handshake, so the host can swap it (a renewed
    /// certificate) while associations that already shook hands go on with the old one.
    /// </summary>
    public required Func<X509Certificate2> ServerCertificate { get; init; }

    public DicomClientCertificateMode ClientCertificates { get; init; } = DicomClientCertificateMode.None;

    /// <summary>
    /// Judges a client certificate when <see cref="ClientCertificates"/> asks for one; null trusts what chains to the
    /// system store (<see cref="DicomTls.ChainsTo"/> with no roots).
    /// </summary>
    public DicomCertificateValidator? ValidateClientCertificate { get; init; }
}

/// <summary>TLS for a <see cref="DicomClient"/> association.</summary>
public sealed class DicomTlsClientOptions
{
    /// <summary>The name the server's certificate must carry; null uses <see cref="DicomClientOptions.Host"/>.</summary>
    public string? TargetHost { get; init; }

    /// <summary>Our certificate with its private key, for acceptors that require one; null sends none.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>
    /// Judges the server's certificate (its name is checked beforehand); null trusts what chains to the system store.
    /// </summary>
    public DicomCertificateValidator? ValidateServerCertificate { get; init; }
}

/// <summary>The protocol and cipher policy both sides share, and chain validation against chosen roots.</summary>
public static class DicomTls
{
    /// <summary>BCP 195: TLS 1.2 and 1.3 only.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// AEAD suites with forward secrecy only (BCP 195); null where the platform does not let us choose, and the
    /// operating system's policy applies.
    /// </summary>
    public static CipherSuitesPolicy? CipherSuites { get; } = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()
        ? new CipherSuitesPolicy(
        [
            TlsCipherSuite.TLS_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        ])
        : null;

    /// <summary>
    /// A validator that accepts a certificate whose chain ends at one of <paramref name="roots"/> (the system store when
    /// empty), valid now, and fit for client or server authentication. Revocation is not checked: the DICOM networks
    /// this serves rarely reach a CRL or OCSP responder, and a hung lookup would stall the handshake.
    /// </summary>
    public static DicomCertificateValidator ChainsTo(X509Certificate2Collection? roots, bool clientAuthentication)
    {
        var trusted = roots is { Count: > 0 } ? new X509Certificate2Collection(roots) : null;
        return certificate =>
        {
            if (certificate is null)
                return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(clientAuthentication ? ClientAuthentication : ServerAuthentication));
            if (trusted is not null)
            {
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
            }
            return chain.Build(certificate);
        };
    }
}
