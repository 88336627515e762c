using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Forwarding;
using DicomGateway.Ingest;
using DicomGateway.Notifications;
using DicomGateway.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Health;

/// <summary>
/// Runs the readiness checks. A report is kept for <see cref="CacheFor"/> and shared by every caller in that time, so a
/// load balancer polling many times a second costs the database one short transaction per second at most.
/// </summary>
public sealed partial class Readiness(GatewayDatabase database, StoragePaths paths, FreeSpaceMonitor freeSpace, ListenerStates listeners,
    NotificationOutbox notifications, ForwardQueue forwards, IServiceProvider services, IOptions<HealthOptions> options, TimeProvider time,
    ILogger<Readiness> logger)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _running = new(1, 1);
    private ReadinessReport? _last;
    private long _lastAt;
    private string? _lastFailures;

    public async Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } cached) return cached;
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh() is { } other) return other; // another caller ran the checks while this one waited
            var report = await RunAsync(cancellationToken).ConfigureAwait(false);
            _last = report;
            _lastAt = time.GetTimestamp();
            LogChange(report);
            return report;
        }
        finally
        {
            _running.Release();
        }
    }

    private ReadinessReport? Fresh() => _last is { } last && time.GetElapsedTime(_lastAt) < CacheFor ? last : null;

    private async Task<ReadinessReport> RunAsync(CancellationToken cancellationToken)
    {
        // The database check may wait for its whole timeout; the others run meanwhile.
        var databaseCheck = DatabaseAsync(cancellationToken);
        var queuesCheck = QueuesAsync(cancellationToken);
        var checks = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ReadinessChecks.DataDirectory] = DataDirectory(),
            [ReadinessChecks.FreeSpace] = FreeSpace(),
            [ReadinessChecks.GatewayKey] = GatewayKey(),
            [ReadinessChecks.DicomListener] = listeners.NotBound() is { Count: > 0 } missing ? "not bound: " + string.Join(", ", missing) : ReadinessReport.Ok,
        };
        checks[ReadinessChecks.Database] = await databaseCheck.ConfigureAwait(false);
        checks[ReadinessChecks.Queues] = await queuesCheck.ConfigureAwait(false);
        return new ReadinessReport(checks);
    }

    /// <summary>A write transaction must begin within the timeout: a database locked longer than that cannot take instances.</summary>
    private async Task<string> DatabaseAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.DatabaseTimeoutSeconds);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await using var connection = await database.OpenAsync(bounded.Token).ConfigureAwait(false);
            await using var begin = connection.CreateCommand();
            begin.CommandTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
            begin.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
            await begin.ExecuteNonQueryAsync(bounded.Token).ConfigureAwait(false);
            return ReadinessReport.Ok;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"locked or unresponsive for more than {options.Value.DatabaseTimeoutSeconds:0.#} s";
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            return $"locked or unresponsive for more than {options.Value.DatabaseTimeoutSeconds:0.#} s";
        }
        catch (SqliteException e)
        {
            return "unavailable (SQLite error " + e.SqliteErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
        }
    }

    /// <summary>Creates and deletes a probe file: a read-only or vanished data directory fails here before an instance does.</summary>
    private string DataDirectory()
    {
        var probe = Path.Combine(paths.DataDirectory, ".ready-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return ReadinessReport.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "not writable";
        }
    }

    private string FreeSpace()
    {
        try
        {
            var reading = freeSpace.Current();
            return reading.IsLow ? $"below the threshold ({reading.AvailableBytes} bytes free, {reading.ThresholdBytes} required)" : ReadinessReport.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "cannot be measured";
        }
    }

    private string GatewayKey()
    {
        try
        {
            // Resolved at start (Program.cs stops the gateway when it cannot be); a failure here means it was lost.
            services.GetRequiredService<GatewayKeyring>();
            return ReadinessReport.Ok;
        }
        catch (Exception e) when (e is GatewayKeyRefusedException or OptionsValidationException or InvalidOperationException or ObjectDisposedException)
        {
            return "not loaded";
        }
    }

    /// <summary>A queue is stuck when its most overdue item has waited past the threshold: its worker is not taking items.</summary>
    private async Task<string> QueuesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var limit = TimeSpan.FromMinutes(options.Value.QueueStuckMinutes);
        var stuck = new List<string>(2);
        try
        {
            if (await notifications.OldestOverdueAsync(now, cancellationToken).ConfigureAwait(false) is { } n && now - n > limit) stuck.Add("notifications");
            if (await forwards.OldestOverdueAsync(now, cancellationToken).ConfigureAwait(false) is { } f && now - f > limit) stuck.Add("forwards");
        }
        catch (SqliteException)
        {
            return "cannot be read";
        }
        return stuck.Count == 0 ? ReadinessReport.Ok : $"stuck for more than {options.Value.QueueStuckMinutes:0.#} min: " + string.Join(", ", stuck);
    }

    private void LogChange(ReadinessReport report)
    {
        var failures = report.Ready ? null : string.Join(", ", report.Checks.Where(c => c.Value != ReadinessReport.Ok).Select(c => c.Key));
        if (failures == _lastFailures) return;
        _lastFailures = failures;
        if (failures is null) LogReady();
        else LogNotReady(failures);
    }

    [LoggerMessage(EventId = 9801, Level = LogLevel.Warning, Message = "Not ready: {FailedChecks}")]
    private partial void LogNotReady(string failedChecks);

    [LoggerMessage(EventId = 9802, Level = LogLevel.Information, Message = "Ready")]
    private partial void LogReady();
}
