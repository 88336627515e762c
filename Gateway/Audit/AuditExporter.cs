using System.Net;
using DicomGateway.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Audit;

/// <summary>
/// Sends every audit event, in id order, to the audit record repository, at least once: the cursor moves past an event
/// only after its send completed, so an event is sent again (never skipped) when the gateway stops between the two.
/// While the repository is unreachable, attempts back off up to <see cref="RetryBackoff"/>'s cap; nothing is dropped.
/// </summary>
public sealed partial class AuditExporter(
    AuditTrail trail,
    AuditExportCursor cursor,
    IOptions<AuditRepositoryOptions> options,
    TimeProvider time,
    ILogger<AuditExporter> logger,
    Func<AuditRepositoryOptions, IAuditTransport>? transportFactory = null) : BackgroundService
{
    public const int BatchSize = 100;

    /// <summary>How often the trail is looked at for new events when everything has been sent.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static readonly Backoff RetryBackoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Jitter: 0.2);

    private readonly string _hostName = Dns.GetHostName();
    private readonly int _processId = Environment.ProcessId;

    /// <summary>The syslog message (RFC 5424, XML as MSG) for one audit row.</summary>
    public byte[] Message(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return SyslogMessage.Format(record.Outcome, record.OccurredAt, _hostName, _processId, AuditMessageXml.Write(record, _hostName));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled) return;
        await using var transport = (transportFactory ?? DefaultTransport)(settings);
        long failures = 0;
        try
        {
            var last = await cursor.ReadOrStartAsync(stoppingToken).ConfigureAwait(false);
            LogStarted(settings.Transport, settings.Host!, settings.EffectivePort, last);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var batch = await trail.ReadAfterAsync(last, BatchSize, stoppingToken).ConfigureAwait(false);
                    foreach (var record in batch)
                    {
                        await SendAsync(transport, record, stoppingToken).ConfigureAwait(false);
                        await cursor.AdvanceAsync(record.Id, stoppingToken).ConfigureAwait(false);
                        last = record.Id;
                    }
                    if (failures > 0) LogRecovered(failures);
                    failures = 0;
                    if (batch.Count < BatchSize) await Task.Delay(PollInterval, time, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures++;
                    var delay = RetryBackoff.Delay(failures);
                    LogSendFailed(e, last + 1, failures, delay);
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the cursor already stands after the last event sent.
        }
    }

    private async Task SendAsync(IAuditTransport transport, AuditRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await transport.SendAsync(Message(record), cancellationToken).ConfigureAwait(false);
        }
        catch (AuditMessageTooLargeException e)
        {
            // No retry can send it; holding the queue behind it would stop the export for good. The event stays in the trail.
            LogSkipped(e, record.Id);
        }
    }

    private static IAuditTransport DefaultTransport(AuditRepositoryOptions settings) => settings.Transport switch
    {
        AuditTransport.Tls => new TlsAuditTransport(settings),
        AuditTransport.Udp => new UdpAuditTransport(settings),
        _ => throw new InvalidOperationException("Unknown audit transport"),
    };

    [LoggerMessage(EventId = 1710, Level = LogLevel.Information, Message = "Audit export over {Transport} to {Host}:{Port} starts after event {EventId}")]
    private partial void LogStarted(AuditTransport transport, string host, int port, long eventId);

    [LoggerMessage(EventId = 1711, Level = LogLevel.Warning, Message = "Audit event {EventId} could not be sent to the repository (failure {Failures}); next attempt in {Delay}")]
    private partial void LogSendFailed(Exception exception, long eventId, long failures, TimeSpan delay);

    [LoggerMessage(EventId = 1712, Level = LogLevel.Information, Message = "The audit repository is reachable again after {Failures} failed attempts")]
    private partial void LogRecovered(long failures);

    [LoggerMessage(EventId = 1713, Level = LogLevel.Error, Message = "Audit event {EventId} is too large for the transport and is not sent to the repository")]
    private partial void LogSkipped(Exception exception, long eventId);
}
