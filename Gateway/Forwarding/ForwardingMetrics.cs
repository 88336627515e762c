using System.Diagnostics.Metrics;
using DicomGateway.Hosting;

namespace DicomGateway.Forwarding;

/// <summary>The forward queue's instruments (docs/metrics.md).</summary>
public sealed class ForwardingMetrics : IMetricsSource
{
    public const string MeterName = "DicomGateway.Forwarding";

    private readonly Counter<long> _finished;

    public ForwardingMetrics(IMeterFactory meters, ForwardQueue queue, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(queue);
        var counts = new CachedReading<IReadOnlyDictionary<string, long>>(queue.CountQueueAsync, CachedReading.MaxAge, CachedReading.ReadTimeout, time);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("dicomgateway.forward_queue", () => CachedReading.ByLabel(counts.Current(), "state", ["pending", "failed"]),
            description: "Forwards pending (queued or being sent) and failed");
        _finished = meter.CreateCounter<long>("dicomgateway.forwards", description: "Forwards finished, by outcome (done, failed)");
    }

    /// <summary>A forward finished: every instance sent, or given up after its last attempt.</summary>
    public void Finished(bool done) => _finished.Add(1, new KeyValuePair<string, object?>("outcome", done ? "done" : "failed"));
}
