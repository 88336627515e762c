using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Support;

/// <summary>A meter factory for a module's metrics class built by hand in a test (the host's comes from AddMetrics).</summary>
public static class TestMeters
{
    private static readonly Lazy<IMeterFactory> Shared = new(NewFactory);

    /// <summary>A factory shared by tests that do not look at the measurements.</summary>
    public static IMeterFactory Factory => Shared.Value;

    /// <summary>A factory of the test's own, so that a <see cref="MetricRecorder"/> sees no other test's measurements.</summary>
    public static IMeterFactory NewFactory() => new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
}

/// <summary>Records the counters' measurements of the meters one factory created.</summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

    public MetricRecorder(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _listener.Start();
    }

    /// <summary>The sum of an instrument's measurements, of those with <paramref name="tag"/> = <paramref name="value"/> when given.</summary>
    public long Sum(string instrument, string? tag = null, string? value = null) =>
        _measurements.Where(m => m.Instrument == instrument && (tag is null || m.Tags.Any(t => t.Key == tag && Equals(t.Value, value)))).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
