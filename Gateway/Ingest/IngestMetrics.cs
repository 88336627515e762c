using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using DicomGateway.Hosting;
using DicomKit.Network;

namespace DicomGateway.Ingest;

/// <summary>
/// The DICOM listener's instruments (docs/metrics.md). A calling AE title becomes a label only when it is a registered
/// node's: anyone who reaches the port chooses the title, and each new value would be a new series.
/// </summary>
public sealed class IngestMetrics : IMetricsSource
{
    public const string MeterName = "DicomGateway.Ingest";
    public const string OtherCaller = "other";

    private readonly Counter<long> _rejected;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _responses;
    private readonly Counter<long> _instances;
    private readonly Counter<long> _bytes;
    private readonly Histogram<double> _storeSeconds;
    public IngestMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _rejected = meter.CreateCounter<long>("dicomgateway.associations.rejected", description: "Associations rejected, by calling AE title (registered nodes only) and A-ASSOCIATE-RJ reason");
        _accepted = meter.CreateCounter<long>("dicomgateway.associations.accepted", description: "Associations accepted, by calling AE title (registered nodes only)");
        _responses = meter.CreateCounter<long>("dicomgateway.cstore.responses", description: "C-STORE responses sent, by DIMSE status");
        _instances = meter.CreateCounter<long>("dicomgateway.instances.received", description: "Instances stored (answered with success and not a duplicate)");
        _bytes = meter.CreateCounter<long>("dicomgateway.received", unit: "By", description: "Data set bytes of the instances stored, as the sender encoded them");
        _storeSeconds = meter.CreateHistogram<double>("dicomgateway.store.duration", unit: "s",
            description: "Time from an instance's first data fragment to its C-STORE response status",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    /// <summary>The label for <paramref name="callingAeTitle"/>: itself for a registered node, else <see cref="OtherCaller"/>.</summary>
    public static string CallerLabel(string? callingAeTitle, IPAddress? address, Func<string, IPAddress?, bool>? isRegisteredNode) =>
        !string.IsNullOrWhiteSpace(callingAeTitle) && isRegisteredNode is not null && isRegisteredNode(callingAeTitle, address) ? callingAeTitle.Trim() : OtherCaller;

    /// <summary>A DIMSE status as a label: four lower-case hex digits, so at most 65,536 values and in practice a handful.</summary>
    public static string StatusLabel(ushort status) => status.ToString("x4", CultureInfo.InvariantCulture);

    public void Rejected(CallerRefusal refusal, Func<string, IPAddress?, bool>? isRegisteredNode)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var reason = refusal.Reason switch { 3 => "calling_ae_title_not_recognized", 7 => "called_ae_title_not_recognized", _ => "other" };
        _rejected.Add(1, new TagList
        {
            { "calling_ae", CallerLabel(refusal.CallingAeTitle, refusal.Address, isRegisteredNode) },
            { "reason", reason },
        });
    }

    public void Accepted(string callingAeTitle, IPAddress? address, Func<string, IPAddress?, bool>? isRegisteredNode) =>
        _accepted.Add(1, new KeyValuePair<string, object?>("calling_ae", CallerLabel(callingAeTitle, address, isRegisteredNode)));

    /// <summary>One C-STORE answered: its status, and for a newly stored instance its bytes.</summary>
    public void Stored(ushort status, long dataSetBytes, bool newlyStored, TimeSpan elapsed)
    {
        _responses.Add(1, new KeyValuePair<string, object?>("status", StatusLabel(status)));
        _storeSeconds.Record(elapsed.TotalSeconds);
        if (!newlyStored) return;
        _instances.Add(1);
        _bytes.Add(dataSetBytes);
    }

    /// <summary>A store that ended in an exception: DicomKit answers it with a failure status of its own choosing.</summary>
    public void Failed(TimeSpan elapsed)
    {
        _responses.Add(1, new KeyValuePair<string, object?>("status", "error"));
        _storeSeconds.Record(elapsed.TotalSeconds);
    }

}
