using DicomGateway.Audit;
using DicomGateway.Studies;

namespace DicomGateway.Shipments;

/// <summary>The audit events of a study's arrival and of what was decided for it.</summary>
internal static class SealAudit
{
    /// <summary>An event of what was decided for a study: by the gateway following a rule, or by an administrator.</summary>
    public static AuditEvent Decided(string eventId, AuditAction action, Study study, SealActor? actor, DateTimeOffset now, object detail) => new()
    {
        EventId = eventId,
        Action = action,
        Outcome = AuditOutcome.Success,
        ActorKind = actor is null ? AuditActorKind.Gateway : AuditActorKind.Administrator,
        Actor = actor?.Name ?? "gateway",
        ActorAddress = actor?.Address,
        StudyId = study.Id,
        PatientRef = study.PatientRef,
        OccurredAt = now,
        Detail = detail,
    };

    /// <summary>The study's arrival, recorded once, when it is first sealed, held (<paramref name="held"/> says why) or discarded.</summary>
    public static AuditEvent Received(Study study, DateTimeOffset now, HoldReason? held) => new()
    {
        EventId = AuditEventIds.InstancesTransferred,
        Action = AuditAction.Create,
        Outcome = AuditOutcome.Success,
        ActorKind = AuditActorKind.Node,
        Actor = study.CallingAeTitle,
        ActorAddress = study.RemoteHost,
        StudyId = study.Id,
        PatientRef = study.PatientRef,
        OccurredAt = now,
        Detail = new { what = ReceivedWhat(held), calledAeTitle = study.CalledAeTitle, study.Generation },
    };

    /// <summary>
    /// PS3.15 A.5.3.11 Security Alert, event type 110126 Node Authentication: instances for a study already sealed came
    /// from a sender that is not the study's original one, and the follow-up is held. The patient appears only as the
    /// keyed hash; the senders are AE titles and addresses, which identify no patient.
    /// </summary>
    public static AuditEvent SenderChanged(Study study, SenderMismatch mismatch, DateTimeOffset now) => new()
    {
        EventId = AuditEventIds.SecurityAlert,
        EventType = AuditEventTypes.NodeAuthentication,
        Action = AuditAction.Execute,
        Outcome = AuditOutcome.MinorFailure,
        ActorKind = AuditActorKind.Node,
        Actor = mismatch.Others[0].CallingAeTitle,
        ActorAddress = mismatch.Others[0].RemoteHost,
        StudyId = study.Id,
        PatientRef = study.PatientRef,
        OccurredAt = now,
        Detail = new
        {
            what = "instances for a study already sealed came from a sender other than the study's original sender; held for an administrator, not shipped",
            originalSender = new { callingAeTitle = mismatch.Original.CallingAeTitle, address = mismatch.Original.RemoteHost },
            senders = mismatch.Others.Select(s => new { callingAeTitle = s.CallingAeTitle, address = s.RemoteHost }).ToArray(),
            study.Generation,
            instances = study.InstanceCount,
        },
    };

    private static string ReceivedWhat(HoldReason? held) => held switch
    {
        null => "study received",
        HoldReason.NoRule => "study received; no rule addressed it, held for an administrator",
        HoldReason.Rule => "study received; a rule held it for an administrator",
        HoldReason.SenderChanged => "study received from a sender other than the study's original sender; held for an administrator",
        _ => throw new ArgumentOutOfRangeException(nameof(held), held, null),
    };
}
