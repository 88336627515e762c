using DicomKit.Network;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Ingest;

/// <summary>Hosts the DICOM listener (Verification and Storage SCP) for the lifetime of the service.</summary>
public sealed class DicomListenerService(IOptions<DicomListenerOptions> options, IStorageSink sink, ILoggerFactory loggerFactory, TimeProvider time)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var listener = new DicomListener(options.Value, sink, loggerFactory, time);
        await listener.RunAsync(stoppingToken).ConfigureAwait(false);
    }
}
