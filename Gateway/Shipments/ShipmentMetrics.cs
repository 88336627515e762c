using System.Diagnostics.Metrics;
using DicomGateway.Hosting;

namespace DicomGateway.Shipments;

/// <summary>The shipments' instruments (docs/metrics.md): shipments by state, shipments sealed, and recipients' unlock attempts.</summary>
public sealed class ShipmentMetrics : IMetricsSource
{
    public const string MeterName = "DicomGateway.Shipments";

    /// <summary>The outcomes of an unlock attempt: the label's whole set.</summary>
    public static class UnlockOutcomes
    {
        public const string Success = "success";
        public const string WrongCode = "wrong_code";

        /// <summary>The recipient is locked after too many wrong codes.</summary>
        public const string Locked = "locked";

        /// <summary>An unknown link, or a shipment expired, revoked, used up or otherwise not openable.</summary>
        public const string Unavailable = "unavailable";
    }

    private readonly Counter<long> _sealed;
    private readonly Counter<long> _unlocks;
    private readonly Counter<long> _lockouts;

    public ShipmentMetrics(IMeterFactory meters, ShipmentQueries queries, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(queries);
        var counts = new CachedReading<IReadOnlyDictionary<string, long>>(queries.CountByStateAsync, CachedReading.MaxAge, CachedReading.ReadTimeout, time);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("dicomgateway.shipments", () => CachedReading.ByLabel(counts.Current(), "state", ShipmentQueries.States),
            description: "Shipments by state");
        _sealed = meter.CreateCounter<long>("dicomgateway.shipments.sealed", description: "Shipments sealed");
        _unlocks = meter.CreateCounter<long>("dicomgateway.unlock.attempts", description: "Recipients' unlock attempts, by outcome (success, wrong_code, locked, unavailable)");
        _lockouts = meter.CreateCounter<long>("dicomgateway.unlock.lockouts", description: "Recipients locked by too many wrong codes");
    }

    public void Sealed(int shipments) => _sealed.Add(shipments);

    /// <summary>One unlock attempt; <paramref name="outcome"/> is one of <see cref="UnlockOutcomes"/>.</summary>
    public void UnlockAttempt(string outcome) => _unlocks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Lockout() => _lockouts.Add(1);
}
