using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;
using PromMetrics = Prometheus.Metrics;

namespace DicomGateway.Metrics;

/// <summary>
/// Exports the gateway's own System.Diagnostics.Metrics instruments (meters named "DicomGateway.*"), and the .NET runtime's
/// ("System.Runtime": GC, thread pool, JIT, exceptions), as Prometheus
/// metrics of the matching type. prometheus-net's built-in meter adapter publishes every .NET counter as a gauge that
/// expires when idle, which breaks <c>rate()</c> and loses a quiet night's totals; this bridge keeps counters as
/// counters, histograms with the instrument's advised buckets, and observable gauges read at each scrape.
/// Names: the instrument name with dots as underscores, then the unit ("By" as _bytes, "s" as _seconds), then _total
/// for a counter (docs/metrics.md lists them). Observable counters report running totals; attribute names become label
/// names with dots as underscores.
/// </summary>
public sealed class MeterBridge : IDisposable
{
    public const string MeterPrefix = "DicomGateway";

    /// <summary>The .NET runtime's meter (GC, thread pool, exceptions), exported beside the gateway's own.</summary>
    public const string RuntimeMeter = "System.Runtime";

    private readonly MeterListener _listener = new();
    private readonly CollectorRegistry _registry;
    private readonly ConcurrentDictionary<(Instrument, string), Collector> _collectors = new();

    public MeterBridge(CollectorRegistry registry)
    {
        _registry = registry;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (IsOurs(instrument.Meter.Name) || instrument.Meter.Name == RuntimeMeter) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
        registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    public static bool IsOurs(string meterName) =>
        meterName.Equals(MeterPrefix, StringComparison.Ordinal) || meterName.StartsWith(MeterPrefix + ".", StringComparison.Ordinal);

    /// <summary>The Prometheus name of an instrument (see the class remarks).</summary>
    public static string PrometheusName(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        if (!IsCounter(instrument) && GaugesNamedCount.TryGetValue(instrument.Name, out var renamed)) return renamed;
        var name = instrument.Name.Replace('.', '_').Replace('-', '_');
        name += instrument.Unit switch
        {
            "By" => "_bytes",
            "s" => "_seconds",
            _ => "",
        };
        return IsCounter(instrument) ? name + "_total" : name;
    }

    /// <summary>
    /// The runtime's gauges named "....count": Prometheus keeps the _count suffix for histograms and summaries (promtool
    /// refuses it elsewhere), so they are exported under these names.
    /// </summary>
    private static readonly Dictionary<string, string> GaugesNamedCount = new(StringComparer.Ordinal)
    {
        ["dotnet.assembly.count"] = "dotnet_assemblies",
        ["dotnet.process.cpu.count"] = "dotnet_process_cpus",
        ["dotnet.thread_pool.thread.count"] = "dotnet_thread_pool_threads",
        ["dotnet.timer.count"] = "dotnet_timers",
    };

    private static bool IsCounter(Instrument instrument) => instrument is Counter<long> or Counter<double> || IsObservableCounter(instrument);

    /// <summary>An observable counter reports its running total, not an increment.</summary>
    private static bool IsObservableCounter(Instrument instrument) =>
        (instrument is ObservableCounter<long> or ObservableCounter<double>) && !SnapshotsPublishedAsCounters.Contains(instrument.Name);

    /// <summary>
    /// Runtime instruments published as observable counters although their values go down as well as up (dotnet/runtime
    /// issues 112077 and 126167): exported as gauges, as the runtime's documentation describes them.
    /// </summary>
    private static readonly HashSet<string> SnapshotsPublishedAsCounters = new(StringComparer.Ordinal) { "dotnet.thread_pool.thread.count", "dotnet.thread_pool.queue.length" };

    /// <summary>A label name as Prometheus allows it: the runtime's attributes are dotted ("gc.heap.generation").</summary>
    private static string LabelName(string key) => key.Replace('.', '_').Replace('-', '_');

    private void Record<T>(Instrument instrument, T measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct
    {
        var sorted = tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal).ToArray();
        var labelNames = sorted.Select(t => LabelName(t.Key)).ToArray();
        var labelValues = sorted.Select(t => Convert.ToString(t.Value, CultureInfo.InvariantCulture) ?? "").ToArray();
        var value = Convert.ToDouble(measurement, CultureInfo.InvariantCulture);
        var collector = _collectors.GetOrAdd((instrument, string.Join(',', labelNames)), key => Create(key.Item1, labelNames));
        switch (collector)
        {
            case Counter counter when IsObservableCounter(instrument):
                counter.WithLabels(labelValues).IncTo(value);
                break;
            case Counter counter:
                counter.WithLabels(labelValues).Inc(value);
                break;
            case Histogram histogram:
                histogram.WithLabels(labelValues).Observe(value);
                break;
            case Gauge gauge:
                gauge.WithLabels(labelValues).Set(value);
                break;
        }
    }

    private Collector Create(Instrument instrument, string[] labelNames)
    {
        var factory = PromMetrics.WithCustomRegistry(_registry);
        var name = PrometheusName(instrument);
        var help = instrument.Description ?? instrument.Name;
        if (IsCounter(instrument)) return factory.CreateCounter(name, help, labelNames);
        if (instrument is Histogram<double> or Histogram<long>)
        {
            var buckets = (instrument as Histogram<double>)?.Advice?.HistogramBucketBoundaries?.ToArray()
                          ?? (instrument as Histogram<long>)?.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray()
                          ?? Histogram.ExponentialBuckets(0.001, 2, 16);
            return factory.CreateHistogram(name, help, labelNames, new HistogramConfiguration { Buckets = buckets });
        }
        return factory.CreateGauge(name, help, labelNames);
    }

    public void Dispose() => _listener.Dispose();
}
