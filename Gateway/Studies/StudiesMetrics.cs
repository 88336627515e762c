using System.Diagnostics.Metrics;
using DicomGateway.Hosting;

namespace DicomGateway.Studies;

/// <summary>The study index's gauges (docs/metrics.md): studies waiting to seal and studies held, counted at most every few seconds.</summary>
public sealed class StudiesMetrics : IMetricsSource
{
    public const string MeterName = "DicomGateway.Studies";

    public StudiesMetrics(IMeterFactory meters, StudyStore store, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(store);
        var counts = new CachedReading<IReadOnlyDictionary<string, long>>(store.CountOpenAsync, CachedReading.MaxAge, CachedReading.ReadTimeout, time);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("dicomgateway.studies.receiving", () => CachedReading.One(counts.Current(), StudyStates.Receiving),
            description: "Studies taking instances, waiting to be sealed once stable");
        meter.CreateObservableGauge("dicomgateway.studies.held", () => CachedReading.One(counts.Current(), StudyStates.Held),
            description: "Studies held for an administrator");
    }
}
