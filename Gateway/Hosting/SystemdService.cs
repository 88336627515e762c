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
        // Registered always, so that an administrator can also name the target type "Journal" in the NLog section.
        LogManager.Setup().SetupExtensions(e => e.RegisterTarget<JournalTarget>(JournalTarget.TypeName));
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(JournalStreamVariable)))
            WriteConsoleForJournal(builder.Configuration, File.Exists(JournalTarget.DefaultSocketPath));
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(NotifySocketVariable)))
            return builder;
        builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
        if (SystemdWatchdog.IntervalFromEnvironment() is not null)
            builder.Services.AddHostedService<SystemdWatchdog>();
        return builder;
    }

    /// <summary>
    /// Under systemd the administrator's "console" target goes to the journal. With journald's native socket present
    /// (every systemd system) it becomes a <see cref="JournalTarget"/>: each line an entry with its priority, logger,
    /// event id and the message's own fields, the text without the date, level and logger the journal already keeps.
    /// Without the socket (a container whose stdout systemd still collects), the line keeps its layout behind the
    /// "&lt;N&gt;" prefix that journald reads as its priority (the sd-daemon convention), without colours.
    /// </summary>
    private static void WriteConsoleForJournal(ConfigurationManager configuration, bool nativeSocket)
    {
        var layout = configuration["NLog:targets:console:layout"];
        if (layout is null) return;
        if (nativeSocket)
        {
            configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["NLog:targets:console:type"] = JournalTarget.TypeName,
                ["NLog:targets:console:layout"] = JournalMessageLayout,
            });
            return;
        }
        LogManager.Setup().SetupExtensions(e => e.RegisterLayoutRenderer(PriorityRenderer, ev => PriorityOf(ev.Level)));
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NLog:targets:console:type"] = "Console",
            ["NLog:targets:console:layout"] = "<${" + PriorityRenderer + "}>" + layout,
        });
    }

    /// <summary>The MESSAGE of a journal entry: the text and, when there is one, the exception.</summary>
    public const string JournalMessageLayout = "${message}${onexception:inner=|${exception:format=tostring}}";

    /// <summary>The syslog priority (RFC 5424 severity) of an NLog level.</summary>
    public static string PriorityOf(NLog.LogLevel level) =>
        level == NLog.LogLevel.Fatal ? "2"
        : level == NLog.LogLevel.Error ? "3"
        : level == NLog.LogLevel.Warn ? "4"
        : level == NLog.LogLevel.Info ? "6"
        : "7";
}
