using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using NLog;

namespace DicomGateway.Hosting;

/// <summary>
/// Runs the gateway as a systemd service (Type=notify, packaging/dicomgateway.service) when systemd gives it a
/// notification socket: READY=1 once every hosted service (the DICOM listeners) and the web server are started,
/// STOPPING=1 on SIGTERM, WATCHDOG=1 pings while WatchdogSec= is set, and log lines that journald files under
/// their priority. Without systemd (`dotnet run`) nothing changes.
/// </summary>
public static class SystemdService
{
    /// <summary>Set by systemd for a Type=notify service: the datagram socket that takes READY=1, WATCHDOG=1...</summary>
    public const string NotifySocketVariable = "NOTIFY_SOCKET";

    /// <summary>Set by systemd when stdout or stderr goes to the journal ("device:inode" of that stream).</summary>
    public const string JournalStreamVariable = "JOURNAL_STREAM";

    /// <summary>The NLog layout renderer that writes a line's syslog priority as journald reads it (sd-daemon.h).</summary>
    public const string PriorityRenderer = "journal-priority";

    /// <summary>
    /// Wires the service notifications and the journal's log format. The Systemd package's own UseSystemd checks
    /// that the parent process is systemd; the notification socket is the contract that matters (and one a test can
    /// provide), so its presence decides here.
    /// </summary>
    public static WebApplicationBuilder UseSystemdWhenNotified(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(JournalStreamVariable)))
            WriteConsoleForJournal(builder.Configuration);
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(NotifySocketVariable)))
            return builder;
        builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
        if (SystemdWatchdog.IntervalFromEnvironment() is not null)
            builder.Services.AddHostedService<SystemdWatchdog>();
        return builder;
    }

    /// <summary>
    /// journald reads a "&lt;N&gt;" prefix on each line as its priority (the sd-daemon convention), so a line keeps
    /// its level in `journalctl -p`; colours would only be noise in the journal. The administrator's "console" target
    /// keeps its layout after the prefix.
    /// </summary>
    private static void WriteConsoleForJournal(ConfigurationManager configuration)
    {
        var layout = configuration["NLog:targets:console:layout"];
        if (layout is null) return;
        LogManager.Setup().SetupExtensions(e => e.RegisterLayoutRenderer(PriorityRenderer, ev => PriorityOf(ev.Level)));
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NLog:targets:console:type"] = "Console",
            ["NLog:targets:console:layout"] = "<${" + PriorityRenderer + "}>" + layout,
        });
    }

    /// <summary>The syslog priority (RFC 5424 severity) of an NLog level.</summary>
    public static string PriorityOf(NLog.LogLevel level) =>
        level == NLog.LogLevel.Fatal ? "2"
        : level == NLog.LogLevel.Error ? "3"
        : level == NLog.LogLevel.Warn ? "4"
        : level == NLog.LogLevel.Info ? "6"
        : "7";
}
