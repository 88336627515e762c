using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace DicomGateway.Hosting;

/// <summary>
/// Sends WATCHDOG=1 at half the interval systemd gives in $WATCHDOG_USEC (WatchdogSec= in the unit): the Systemd
/// package's lifetime sends READY=1 and STOPPING=1 but no watchdog pings. The pings come from the thread pool, so a
/// gateway whose pool is starved or whose process hangs stops sending them and systemd restarts it.
/// </summary>
public sealed class SystemdWatchdog(ISystemdNotifier notifier, IHostApplicationLifetime lifetime) : BackgroundService
{
    /// <summary>The watchdog interval systemd asks for, or null when it asks for none or for another process.</summary>
    public static TimeSpan? IntervalFromEnvironment() =>
        Interval(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId);

    /// <summary>
    /// Parses $WATCHDOG_USEC; $WATCHDOG_PID, when set, names the process meant (sd_watchdog_enabled), so a child
    /// that inherited the variables does not ping for its parent.
    /// </summary>
    public static TimeSpan? Interval(string? usec, string? pid, int processId)
    {
        if (!long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var micro) || micro <= 0) return null;
        if (!string.IsNullOrEmpty(pid) && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p != processId)) return null;
        return TimeSpan.FromMicroseconds(micro);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = IntervalFromEnvironment();
        if (interval is null) return;
        // The first ping waits for READY=1: systemd counts the watchdog from the start notification.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try { await started.Task.ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
        using var timer = new PeriodicTimer(interval.Value / 2);
        do notifier.Notify(new ServiceState("WATCHDOG=1"));
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try { return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false); }
        catch (OperationCanceledException) { return false; }
    }
}
