using DicomGateway.Database;
using DicomGateway.Routing;
using DicomGateway.Storage;
using DicomGateway.Studies;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Shipments;

/// <summary>
/// Decides where a study goes: by the saved rules over its first instance's header, or as an administrator's
/// directive says. A follow-up generation (more instances of a study already sealed) is routed like any new study, so
/// knowing a Study Instance UID is not enough to reach the earlier recipients; and one that came, even in part, from a
/// sender other than the study's original one is held for an administrator whatever the rules say.
/// </summary>
public sealed partial class SealPlanner(GatewayDatabase database, StudyStore studies, BlobStore blobs, RuleStore rules, ILogger<SealPlanner> logger)
{
    /// <summary>
    /// The plan for <paramref name="study"/>. With an <paramref name="actor"/> (an administrator routing a held study
    /// again) the senders are not checked: the administrator has seen who sent it and decided.
    /// </summary>
    public async Task<SealPlan> PlanAsync(Study study, StoredInstance first, StudyDataKey dataKey, SealDirective directive, SealActor? actor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(directive);
        switch (directive)
        {
            case SealDirective.AddressDirective a:
                return new SealPlan(RoutingDisposition.Act, [ShipmentTarget.From(a.Ship)], [], null);
            case SealDirective.DiscardDirective d:
                return new SealPlan(RoutingDisposition.Discard, [], [], new DiscardPlan(null, null, d.Reason));
        }
        if (actor is null && study.Generation > 0 && await SenderMismatchAsync(study, cancellationToken).ConfigureAwait(false) is { } mismatch)
            return SealPlan.Held(HoldReason.SenderChanged) with { SenderMismatch = mismatch };

        var decision = await rules.EvaluateAsync(new RoutingInput
        {
            CallingAeTitle = study.CallingAeTitle,
            CalledAeTitle = study.CalledAeTitle,
            RemoteAddress = study.RemoteHost,
            ReceivedAt = study.FirstReceivedAt,
            Header = StudyReader.ReadHeader(blobs, first, dataKey),
        }, cancellationToken).ConfigureAwait(false);
        foreach (var warning in decision.Warnings) LogRoutingWarning(study.Id, warning);
        return decision.Disposition switch
        {
            RoutingDisposition.Act => new SealPlan(RoutingDisposition.Act, [.. decision.Ships.Where(s => s.Recipients.Count > 0).Select(ShipmentTarget.From)],
                decision.Forwards, null),
            RoutingDisposition.Discard => new SealPlan(RoutingDisposition.Discard, [], [], decision.Discard),
            _ => SealPlan.Held(decision.Holds.Count > 0 ? HoldReason.Rule : HoldReason.NoRule),
        };
    }

    /// <summary>The follow-up's senders that are not the study's original sender, or null when every one of them is.</summary>
    private async Task<SenderMismatch?> SenderMismatchAsync(Study study, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (await studies.OriginalSenderAsync(connection, study, cancellationToken).ConfigureAwait(false) is not { } original) return null;
        var senders = await studies.SendersAsync(connection, study.Id, cancellationToken).ConfigureAwait(false);
        var others = FollowUpSenders.Others(original, senders);
        return others.Count > 0 ? new SenderMismatch(original, others) : null;
    }

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Routing study {StudyId}: {Warning}")]
    private partial void LogRoutingWarning(long studyId, string warning);
}
