using DicomKit.Network;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Ingest;

/// <summary>
/// Hosts the plain DICOM listener (Verification and Storage SCP) for the lifetime of the service, unless
/// <c>Dicom:Tls:Only</c> leaves DICOM to the TLS port.
/// </summary>
public sealed class DicomListenerService(IOptions<DicomListenerOptions> options, IOptions<DicomTlsOptions> tls, IStorageSink sink,
    ILoggerFactory loggerFactory, TimeProvider time, ListenerStates states) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (tls.Value.Only)
            return;
        await using var listener = new DicomListener(options.Value, sink, loggerFactory, time);
        await listener.ServeAsync(states, ListenerStates.Plain, stoppingToken).ConfigureAwait(false);
    }
}
