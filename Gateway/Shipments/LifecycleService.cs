using DicomGateway.Studies;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Shipments;

/// <summary>Repairs the store at start (before the DICOM listener takes instances), then sweeps expired shipments periodically.</summary>
public sealed partial class LifecycleService(Reconciler reconciler, ShipmentSweeper sweeper, IOptions<ShipmentOptions> options, TimeProvider time,
    ILogger<LifecycleService> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await reconciler.RunAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                await sweeper.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Error, Message = "Sweeping expired shipments failed; trying again at the next interval")]
    private partial void LogFailed(Exception exception);
}
