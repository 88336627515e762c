using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Ingest;

/// <summary>
/// The TLS listener's certificate, read from its PEM files and read again when either file changes or on
/// <see cref="Reload"/> (SIGHUP). Each handshake asks <see cref="Current"/>, so a renewed certificate is presented to
/// the next caller while associations that already shook hands keep going. A file caught half-written, or a key
/// that does not match, keeps the previous certificate and logs a warning.
/// </summary>
public sealed partial class ServerCertificateSource(string certificatePath, string keyPath, ILogger<ServerCertificateSource> logger)
{
    private readonly Lock _gate = new();
    private X509Certificate2? _current;
    private (DateTime, long, DateTime, long) _loadedStamp;

    /// <summary>The certificate to present now; loads it the first time and whenever the files changed since.</summary>
    public X509Certificate2 Current()
    {
        var stamp = Stamp();
        lock (_gate)
        {
            if (_current is null || stamp != _loadedStamp)
                TryLoad(stamp);
            return _current ?? throw new CryptographicException("no TLS certificate could be loaded");
        }
    }

    /// <summary>Reads the files again even if they look unchanged (SIGHUP).</summary>
    public void Reload()
    {
        var stamp = Stamp();
        lock (_gate)
            TryLoad(stamp);
    }

    /// <summary>Loads a certificate with its key in a form SslStream can present on every platform.</summary>
    public static X509Certificate2 Load(string certificatePath, string keyPath)
    {
        var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        if (!OperatingSystem.IsWindows())
            return pem;
        // Windows' TLS stack cannot use an ephemeral key; a PKCS#12 round trip gives it a stored one.
        using (pem)
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private void TryLoad((DateTime, long, DateTime, long) stamp)
    {
        try
        {
            // The old certificate is not disposed: an association that shook hands with it may still refer to it.
            _current = Load(certificatePath, keyPath);
            _loadedStamp = stamp;
            CertificateLoaded(logger, _current.Subject, _current.Thumbprint, _current.NotAfter.ToUniversalTime());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // Remember the stamp anyway: one warning per change of the files, not one per handshake.
            _loadedStamp = stamp;
            CertificateNotLoaded(logger, e.GetType().Name, e.Message);
        }
    }

    private (DateTime, long, DateTime, long) Stamp()
    {
        FileInfo certificate = new(certificatePath), key = new(keyPath);
        return (certificate.Exists ? certificate.LastWriteTimeUtc : default, certificate.Exists ? certificate.Length : -1,
            key.Exists ? key.LastWriteTimeUtc : default, key.Exists ? key.Length : -1);
    }

    [LoggerMessage(EventId = 2050, Level = LogLevel.Information, Message = "DICOM TLS certificate loaded: {Subject}, thumbprint {Thumbprint}, valid until {NotAfter:u}")]
    private static partial void CertificateLoaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 2051, Level = LogLevel.Warning, Message = "DICOM TLS certificate could not be loaded ({Error}: {Detail}); the previous one stays in use")]
    private static partial void CertificateNotLoaded(ILogger logger, string error, string detail);
}
