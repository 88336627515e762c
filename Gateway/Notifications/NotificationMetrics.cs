using System.Diagnostics.Metrics;
using DicomGateway.Hosting;

namespace DicomGateway.Notifications;

/// <summary>The notification queue's instruments (docs/metrics.md).</summary>
public sealed class NotificationMetrics : IMetricsSource
{
    public const string MeterName = "DicomGateway.Notifications";

    private readonly Counter<long> _finished;

    public NotificationMetrics(IMeterFactory meters, NotificationOutbox outbox, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(outbox);
        var counts = new CachedReading<IReadOnlyDictionary<string, long>>(outbox.CountQueueAsync, CachedReading.MaxAge, CachedReading.ReadTimeout, time);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("dicomgateway.notification_queue", () => CachedReading.ByLabel(counts.Current(), "state", ["pending", "failed"]),
            description: "Notifications (e-mail, SMS) pending (queued or being sent) and failed");
        _finished = meter.CreateCounter<long>("dicomgateway.notifications", description: "Notifications finished, by outcome (sent, failed)");
    }

    /// <summary>A delivery finished: handed to the mail server or SMS provider, or given up after its last attempt.</summary>
    public void Finished(bool sent) => _finished.Add(1, new KeyValuePair<string, object?>("outcome", sent ? "sent" : "failed"));
}
