using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Audit;

/// <summary>
/// Counts events that anyone can cause without a credential (an unknown link, an attempt on a shipment that cannot be
/// opened) instead of recording each: the audit trail is append-only, so one row per request would let a flood of
/// made-up tokens fill the disk. Equal events (same event, outcome, shipment, recipient and detail) of one UTC minute
/// become one row carrying the count, the first and last time and up to <see cref="MaxAddresses"/> client addresses.
/// A minute's rows are written once it has passed (checked every <see cref="FlushInterval"/>) and at shutdown.
/// </summary>
public sealed partial class AuditAggregator(AuditTrail trail, TimeProvider time, ILogger<AuditAggregator> logger) : BackgroundService
{
    /// <summary>Client addresses kept per row: enough to see where a flood comes from, bounded whatever its size.</summary>
    public const int MaxAddresses = 5;

    /// <summary>Distinct events kept per minute; beyond them, events are counted in one row that names no shipment.</summary>
    public const int MaxKeysPerMinute = 1000;

    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<Key, Bucket> _buckets = [];

    private readonly record struct Key(long Minute, string EventId, AuditOutcome Outcome, long? ShipmentId, long? RecipientId, string Detail);

    private sealed class Bucket(AuditEvent template, DateTimeOffset first)
    {
        public AuditEvent Template { get; } = template;
        public DateTimeOffset First { get; } = first;
        public DateTimeOffset Last { get; set; } = first;
        public long Count { get; set; }
        public List<string> Addresses { get; } = [];
    }

    /// <summary>Counts one occurrence of <paramref name="auditEvent"/> from <paramref name="address"/>; nothing is written yet.</summary>
    public void Count(AuditEvent auditEvent, string? address)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var now = time.GetUtcNow();
        var minute = now.ToUnixTimeMilliseconds() / (long)Minute.TotalMilliseconds;
        var template = auditEvent with { ActorAddress = null, OccurredAt = null };
        var key = new Key(minute, template.EventId, template.Outcome, template.ShipmentId, template.RecipientId, JsonSerializer.Serialize(template.Detail));
        lock (_gate)
        {
            if (!_buckets.ContainsKey(key) && _buckets.Keys.Count(k => k.Minute == minute) >= MaxKeysPerMinute)
            {
                template = template with { ShipmentId = null, RecipientId = null, StudyId = null, PatientRef = null, Detail = new { what = "attempts of several kinds" } };
                key = new Key(minute, template.EventId, template.Outcome, null, null, "");
            }
            if (!_buckets.TryGetValue(key, out var bucket)) _buckets[key] = bucket = new Bucket(template, now);
            bucket.Count++;
            bucket.Last = now;
            if (address is not null && bucket.Addresses.Count < MaxAddresses && !bucket.Addresses.Contains(address)) bucket.Addresses.Add(address);
        }
    }

    /// <summary>Writes the rows of every minute that has passed, or with <paramref name="all"/> of the current one too (at shutdown).</summary>
    public async Task FlushAsync(bool all, CancellationToken cancellationToken)
    {
        var current = time.GetUtcNow().ToUnixTimeMilliseconds() / (long)Minute.TotalMilliseconds;
        List<(Key Key, Bucket Bucket)> due;
        lock (_gate)
        {
            due = [.. _buckets.Where(b => all || b.Key.Minute < current).Select(b => (b.Key, b.Value)).OrderBy(b => b.Value.First)];
            foreach (var (key, _) in due) _buckets.Remove(key);
        }
        for (var i = 0; i < due.Count; i++)
        {
            var bucket = due[i].Bucket;
            try
            {
                await trail.RecordAsync(bucket.Template with
                {
                    OccurredAt = bucket.First,
                    ActorAddress = bucket.Addresses.Count > 0 ? bucket.Addresses[0] : null,
                    Detail = new { aggregated = true, count = bucket.Count, firstAt = bucket.First, lastAt = bucket.Last, addresses = bucket.Addresses, of = bucket.Template.Detail },
                }, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // The rows not written go back, to be written by the next flush.
                lock (_gate)
                {
                    foreach (var (key, rest) in due.Skip(i)) _buckets.TryAdd(key, rest);
                }
                throw;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await FlushAsync(all: false, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFlushFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: StopAsync writes what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(all: true, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1701, Level = LogLevel.Error, Message = "Writing the counted audit events failed; they are kept for the next attempt")]
    private partial void LogFlushFailed(Exception exception);
}
