using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Shipments;

/// <summary>Looks for studies that have been quiet for the stable time and seals them, every second or so.</summary>
public sealed partial class SealingService(ShipmentSealer sealer, IOptions<ShipmentOptions> options, TimeProvider time, ILogger<SealingService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Clamp(options.Value.StableStudySeconds / 4.0, 0.2, 1.0));
        using var timer = new PeriodicTimer(period, time);
        do
        {
            try
            {
                await sealer.SealStableStudiesAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Error, Message = "Looking for studies to seal failed; trying again")]
    private partial void LogFailed(Exception exception);
}
