using System.Security.Cryptography;
using DicomGateway.Database;
using DicomGateway.Hosting;
using DicomGateway.Routing;
using DicomGateway.Storage;
using DicomGateway.Studies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Shipments;

/// <summary>
/// Turns a complete study into shipments. <see cref="SealPlanner"/> decides the recipients and forwards; the table of
/// contents is encrypted as blob 0; <see cref="SealWriter"/> creates each recipient's link token, code and key share,
/// wraps the study's data key for them and queues the notifications in one transaction; then the gateway's own copy
/// of the data key is deleted. From then on the gateway cannot read the study. A study that no rule addresses, or a
/// follow-up from a sender other than the study's original one, is held, still readable by the gateway, for an administrator.
/// </summary>
public sealed partial class ShipmentSealer(GatewayDatabase database, StudyStore studies, OpenStudies open, BlobStore blobs, SealPlanner planner, SealWriter writer,
    IOptions<ShipmentOptions> options, TimeProvider time, ShipmentMetrics metrics, ILogger<ShipmentSealer> logger)
{
    /// <summary>Studies whose last seal failed, by id; used only by the single sealing loop.</summary>
    private readonly Dictionary<long, SealFailure> _failures = [];

    private sealed record SealFailure(int Count, DateTimeOffset RetryAt);

    /// <summary>1 s, 2 s, 4 s, ... up to 5 minutes between attempts to seal a study that failed.</summary>
    private static readonly Backoff RetryAfterFailure = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(300));

    /// <summary>Seals every study that has been quiet for the stable time. Returns how many were sealed, held or discarded.</summary>
    public async Task<int> SealStableStudiesAsync(CancellationToken cancellationToken)
    {
        var due = await studies.ListQuietAsync(StudyState.Receiving, time.GetUtcNow().AddSeconds(-options.Value.StableStudySeconds), cancellationToken)
            .ConfigureAwait(false);
        var done = 0;
        var now = time.GetUtcNow();
        foreach (var study in due)
        {
            if (_failures.TryGetValue(study.Id, out var failure) && now < failure.RetryAt) continue;
            var outcome = await ProcessAsync(study, SealDirective.Route, null, cancellationToken).ConfigureAwait(false);
            if (outcome is SealOutcome.Sealed or SealOutcome.Held or SealOutcome.Discarded or SealOutcome.Empty)
            {
                done++;
                _failures.Remove(study.Id);
            }
            else if (outcome == SealOutcome.Failed)
            {
                // A study that cannot be sealed (e.g. its first blob is unreadable) does not fill the log every second,
                // and is tried again without a restart.
                var count = (failure?.Count ?? 0) + 1;
                _failures[study.Id] = new SealFailure(count, now + RetryAfterFailure.Delay(count));
            }
        }
        return done;
    }

    /// <summary>
    /// Carries out an administrator's decision on a held study. <see cref="SealOutcome.NotFound"/> when the study is not
    /// held (any more); <see cref="SealOutcome.Busy"/> when an instance of it is arriving right now.
    /// </summary>
    public async Task<SealOutcome> ProcessHeldAsync(long studyId, SealDirective directive, SealActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directive);
        ArgumentNullException.ThrowIfNull(actor);
        var study = await studies.FindAsync(studyId, cancellationToken).ConfigureAwait(false);
        if (study is not { State: StudyState.Held }) return SealOutcome.NotFound;
        return await ProcessAsync(study, directive, actor, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SealOutcome> ProcessAsync(Study study, SealDirective directive, SealActor? actor, CancellationToken cancellationToken)
    {
        using var dataKey = open.TryBeginSeal(study);
        if (dataKey is null) return SealOutcome.Busy;
        string? manifestBlob = null;
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Read again under the seal: the study may have changed state since it was listed.
            var current = await studies.FindAsync(connection, null, study.Id, cancellationToken).ConfigureAwait(false);
            if (current?.State != study.State) return SealOutcome.NotFound;
            var instances = await studies.InstancesAsync(connection, null, study.Id, cancellationToken).ConfigureAwait(false);
            if (instances.Count == 0)
            {
                // Every instance of it was aborted or repaired away: nothing to ship.
                await studies.DeleteEmptyAsync(connection, study.Id, cancellationToken).ConfigureAwait(false);
                return SealOutcome.Empty;
            }

            var plan = await planner.PlanAsync(study, instances[0], dataKey, directive, actor, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            switch (plan.Disposition)
            {
                case RoutingDisposition.Held:
                    if (!await writer.HoldAsync(connection, study, plan, now, cancellationToken).ConfigureAwait(false)) return SealOutcome.NotFound;
                    if (plan.HoldReason == HoldReason.SenderChanged) LogHeldSenderChanged(study.Id, study.Generation, instances.Count);
                    else LogHeld(study.Id, instances.Count);
                    return SealOutcome.Held;
                case RoutingDisposition.Discard:
                    if (!await writer.DiscardAsync(connection, study, instances.Count, plan.Discard!, actor, now, cancellationToken).ConfigureAwait(false))
                        return SealOutcome.NotFound;
                    foreach (var instance in instances) blobs.Delete(instance.Blob);
                    LogDiscarded(study.Id, instances.Count);
                    await database.CheckpointAsync(cancellationToken).ConfigureAwait(false);
                    return SealOutcome.Discarded;
            }

            var manifest = ManifestWriter.Build(instances, dataKey);
            if (plan.Ships.Count > 0) manifestBlob = await ManifestWriter.WriteAsync(blobs, manifest, dataKey, cancellationToken).ConfigureAwait(false);
            if (!await writer.SealAsync(connection, study, plan, dataKey, instances.Count, manifest, manifestBlob, actor, now, cancellationToken).ConfigureAwait(false))
                return SealOutcome.NotFound;
            manifestBlob = null; // committed: no longer ours to delete
            metrics.Sealed(plan.Ships.Count);
            LogSealed(study.Id, instances.Count, plan.Ships.Count, plan.Ships.Sum(t => t.Recipients.Count), plan.Forwards.Count);
            // The wrapped data key was overwritten in the database file (secure_delete); move the WAL's copy out too.
            if (plan.Forwards.Count == 0) await database.CheckpointAsync(cancellationToken).ConfigureAwait(false);
            return SealOutcome.Sealed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSealFailed(e, study.Id);
            return SealOutcome.Failed;
        }
        finally
        {
            if (manifestBlob is not null) blobs.Delete(manifestBlob);
            open.EndSeal(study);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Study {StudyId} sealed: {Instances} instances into {Shipments} shipments for {Recipients} recipients, {Forwards} forwards queued")]
    private partial void LogSealed(long studyId, int instances, int shipments, int recipients, int forwards);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Study {StudyId} ({Instances} instances) discarded and erased")]
    private partial void LogDiscarded(long studyId, int instances);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Study {StudyId} ({Instances} instances) is held for an administrator by the routing rules")]
    private partial void LogHeld(long studyId, int instances);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Security alert: study {StudyId} (generation {Generation}, {Instances} instances) has instances from a sender other than the study's original sender; it is held for an administrator, not shipped")]
    private partial void LogHeldSenderChanged(long studyId, long generation, int instances);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Sealing study {StudyId} failed; it stays unsealed and is tried again with growing delays")]
    private partial void LogSealFailed(Exception exception, long studyId);
}

/// <summary>Short shipment references for people: 8 Crockford base32 characters as XXXX-XXXX, random.</summary>
public static class ShipmentReference
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New()
    {
        Span<char> chars = stackalloc char[9];
        for (var i = 0; i < 9; i++) chars[i] = i == 4 ? '-' : Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return new string(chars);
    }
}
