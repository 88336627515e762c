using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Forwarding;

/// <summary>
/// Sends queued forwards, one at a time, the longest due first. Runs every Forwarding:PollInterval and whenever
/// <see cref="ForwardQueue.Wake"/> is called.
/// </summary>
/// <remarks>
/// <para><b>At least once.</b> A forward is 'sending' while an attempt runs. If the gateway stops or crashes then, the
/// row is still 'sending' at the next start; it goes back to the queue and the next attempt resumes after the last
/// instance whose acknowledgement was recorded (progress is recorded at most every second while sending, and whenever
/// an attempt ends, a stop included). After a crash, instances acknowledged but not yet recorded are sent again: the
/// destination may receive an instance twice, with the same SOP Instance UID.</para>
/// <para><b>Failures.</b> A refused connection or association, a broken association, a timeout or a failure status
/// queues the forward again after <see cref="ForwardingOptions.RetryDelay"/>, until Forwarding:MaxAttempts, then it
/// fails (audited). When nothing can be sent (the node was deleted, the study's key or an instance is gone) it fails
/// at once. A warning status counts as sent.</para>
/// </remarks>
public sealed partial class ForwardingService(ForwardQueue queue, StudyForwarder forwarder, IOptions<ForwardingOptions> options, TimeProvider time,
    ForwardingMetrics metrics, ILogger<ForwardingService> logger) : BackgroundService
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often failed forwards are looked at for Forwarding:FailedRetention.</summary>
    private static readonly TimeSpan RetentionInterval = TimeSpan.FromMinutes(1);

    private long? _retentionCheckedAt;

    /// <summary>Set when a database error may have left a claimed row 'sending'; the next round queues it again.</summary>
    private bool _requeueNeeded;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            var requeued = await queue.RequeueInterruptedAsync(stoppingToken).ConfigureAwait(false);
            if (requeued > 0) LogRequeued(requeued);

            using var timer = new PeriodicTimer(options.Value.PollInterval, time);
            // Both waits are kept until they complete: a wake-up that lost the race must not be dropped.
            Task<bool>? tick = null;
            Task? wake = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                await DrainAsync(stoppingToken).ConfigureAwait(false);
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                wake ??= queue.WaitForWakeAsync(stoppingToken);
                var first = await Task.WhenAny(tick, wake).ConfigureAwait(false);
                await first.ConfigureAwait(false);
                if (first == tick) tick = null;
                else wake = null;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends every forward that is due now. A database error ends the round; the next poll tries again.</summary>
    private async Task DrainAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (_requeueNeeded)
            {
                // Between rounds nothing is in flight: a row still 'sending' was left so by the failed write.
                await queue.RequeueInterruptedAsync(stoppingToken).ConfigureAwait(false);
                _requeueNeeded = false;
            }
            while (await queue.ClaimNextAsync(stoppingToken).ConfigureAwait(false) is { } forward)
                await AttemptAsync(forward, stoppingToken).ConfigureAwait(false);
            if (_retentionCheckedAt is not { } at || time.GetElapsedTime(at) >= RetentionInterval)
            {
                _retentionCheckedAt = time.GetTimestamp();
                await queue.CancelFailedBeforeAsync(time.GetUtcNow() - options.Value.FailedRetention, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException e)
        {
            _requeueNeeded = true;
            LogDatabaseError(e);
        }
    }

    private async Task AttemptAsync(ClaimedForward forward, CancellationToken stoppingToken)
    {
        using var attempt = queue.Track(forward.Id, stoppingToken);
        ForwardDestination? destination = null;
        var acknowledged = forward.InstancesSent;
        string error;
        bool permanent;
        try
        {
            using var prepared = await forwarder.PrepareAsync(forward, attempt.Token).ConfigureAwait(false);
            destination = prepared.Destination;
            var lastRecorded = time.GetTimestamp();
            var total = prepared.Instances.Count;
            var sent = await forwarder.SendAsync(prepared, forward.InstancesSent, async count =>
            {
                acknowledged = count;
                if (time.GetElapsedTime(lastRecorded) < ProgressInterval) return;
                lastRecorded = time.GetTimestamp();
                await queue.RecordProgressAsync(forward.Id, count, total, CancellationToken.None).ConfigureAwait(false);
            }, attempt.Token).ConfigureAwait(false);
            await queue.CompleteAsync(forward, destination, sent, CancellationToken.None).ConfigureAwait(false);
            metrics.Finished(done: true);
            return;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping mid-attempt: back to the queue, due now; the next start resumes it (at-least-once).
            await queue.RescheduleAsync(forward, time.GetUtcNow(), null, acknowledged).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested)
        {
            LogCancelledWhileSending(forward.Id);
            return;
        }
        catch (ForwardException e)
        {
            (error, permanent) = (e.Message, e.Permanent);
        }
        catch (Exception e)
        {
            LogUnexpected(e, forward.Id);
            (error, permanent) = ($"Unexpected {e.GetType().Name}; see the gateway's log", false);
        }
        finally
        {
            queue.Untrack(forward.Id);
        }

        if (permanent || forward.Attempts >= options.Value.MaxAttempts)
        {
            var reason = permanent ? error : $"{error} (gave up after {forward.Attempts} attempts)";
            await queue.FailAsync(forward, destination, reason, acknowledged, CancellationToken.None).ConfigureAwait(false);
            metrics.Finished(done: false);
            return;
        }
        var delay = options.Value.RetryDelay(forward.Attempts);
        await queue.RescheduleAsync(forward, time.GetUtcNow() + delay, error, acknowledged).ConfigureAwait(false);
        LogRetrying(forward.Id, forward.StudyId, forward.Attempts, delay, error);
    }

    [LoggerMessage(EventId = 8111, Level = LogLevel.Warning, Message = "{Count} forwards were interrupted by a stop and are queued again; their destinations may receive some instances twice")]
    private partial void LogRequeued(int count);

    [LoggerMessage(EventId = 8112, Level = LogLevel.Information, Message = "Forward {ForwardId} of study {StudyId}: attempt {Attempt} failed, retrying in {Delay}: {Error}")]
    private partial void LogRetrying(long forwardId, long studyId, long attempt, TimeSpan delay, string error);

    [LoggerMessage(EventId = 8113, Level = LogLevel.Information, Message = "Forward {ForwardId} was cancelled while it was being sent")]
    private partial void LogCancelledWhileSending(long forwardId);

    [LoggerMessage(EventId = 8114, Level = LogLevel.Error, Message = "Forward {ForwardId}: unexpected error")]
    private partial void LogUnexpected(Exception exception, long forwardId);

    [LoggerMessage(EventId = 8115, Level = LogLevel.Error, Message = "The forwarding queue could not be read or updated; retrying at the next poll")]
    private partial void LogDatabaseError(Exception exception);
}
