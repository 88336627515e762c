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

    /// <summary>The study's arrival, recorded once, when it is first sealed, held or discarded.</summary>
    public static AuditEvent Received(Study study, DateTimeOffset now, bool held) => new()
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
        Detail = new { what = held ? "study received; no rule addressed it, held for an administrator" : "study received", calledAeTitle = study.CalledAeTitle, study.Generation },
    };
}
