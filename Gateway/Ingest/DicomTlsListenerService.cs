using System.Runtime.InteropServices;
using DicomKit.Network;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Ingest;

/// <summary>
/// Hosts the DICOM over TLS listener (PS3.15 Annex B) on <c>Dicom:Tls:Port</c> when a certificate is configured: a
/// second <see cref="DicomListener"/> with the plain listener's settings, its own port and a TLS handshake first.
/// SIGHUP reads the certificate files again; so does any change of the files, checked at each handshake.
/// </summary>
public sealed partial class DicomTlsListenerService(IOptions<DicomListenerOptions> listenerOptions, IOptions<DicomTlsOptions> tlsOptions,
    IStorageSink sink, ILoggerFactory loggerFactory, TimeProvider time, ListenerStates states) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<DicomTlsListenerService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tls = tlsOptions.Value;
        if (!tls.Enabled)
            return;
        var certificates = new ServerCertificateSource(tls.CertificatePath, tls.KeyPath, loggerFactory.CreateLogger<ServerCertificateSource>());
        certificates.Current();
        var validate = DicomKit.Network.DicomTls.ChainsTo(tls.CaPath is null ? null : DicomTlsOptions.LoadAuthorities(tls.CaPath), clientAuthentication: true);
        var options = listenerOptions.Value.Clone();
        options.Port = tls.Port;
        using var hangUp = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            // Handled here, SIGHUP no longer ends the process (its default action).
            context.Cancel = true;
            ReloadRequested(_logger);
            certificates.Reload();
        });
        await using var listener = new DicomListener(options, sink, loggerFactory, time, new DicomTlsServerOptions
        {
            ServerCertificate = certificates.Current,
            ClientCertificates = tls.ClientCertificates,
            ValidateClientCertificate = validate,
        });
        await listener.ServeAsync(states, ListenerStates.Tls, stoppingToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 2052, Level = LogLevel.Information, Message = "SIGHUP: reading the DICOM TLS certificate files again")]
    private static partial void ReloadRequested(ILogger logger);
}
