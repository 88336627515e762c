using DicomGateway.Audit;
using DicomGateway.Shipments;
using DicomGateway.Studies;

namespace DicomGateway.Administration;

/// <summary>
/// One disclosure of a patient's data: an export (110106, a shipment made available) or a transfer (110104, e.g. a
/// download), with the recipient it went to and the shipment's reference. An event about a whole shipment yields one
/// row per recipient of that shipment. Failed attempts are included; see <see cref="Outcome"/>.
/// </summary>
public sealed record PatientDisclosure
{
    public long AuditId { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public required string EventId { get; init; }
    public AuditAction Action { get; init; }
    public AuditOutcome Outcome { get; init; }
    public AuditActorKind ActorKind { get; init; }
    public required string Actor { get; init; }
    public string? ActorAddress { get; init; }
    public long? StudyId { get; init; }
    public long? ShipmentId { get; init; }
    public string? ShipmentReference { get; init; }
    public long? RecipientId { get; init; }
    public string? RecipientEmail { get; init; }

    /// <summary>The event's stored detail (JSON).</summary>
    public string? Detail { get; init; }
}


/// <summary>
/// To whom was this patient's data disclosed: the audit trail's disclosure events concerning the patient (by the event's
/// own patient reference, or through the patient's studies and their shipments), oldest first, with the recipients'
/// e-mail addresses and the shipment references.
/// </summary>
public sealed class DisclosureReport(AuditTrail audit, StudyStore studies, ShipmentLookup shipments)
{
    public async Task<IReadOnlyList<PatientDisclosure>> OfPatientAsync(byte[] patientRef, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patientRef);
        var studyIds = await studies.IdsOfPatientAsync(patientRef, cancellationToken).ConfigureAwait(false);
        var shipmentIds = await shipments.IdsOfStudiesAsync(studyIds, cancellationToken).ConfigureAwait(false);
        var events = await audit.DisclosureEventsAsync(patientRef, studyIds, shipmentIds, cancellationToken).ConfigureAwait(false);
        var addressed = await shipments.AddressedAsync([.. events.Select(e => e.ShipmentId).OfType<long>()], cancellationToken).ConfigureAwait(false);
        var named = await shipments.RecipientEmailsAsync([.. events.Select(e => e.RecipientId).OfType<long>()], cancellationToken).ConfigureAwait(false);
        var result = new List<PatientDisclosure>(events.Count);
        foreach (var e in events)
        {
            var shipment = e.ShipmentId is { } sid ? addressed.GetValueOrDefault(sid) : null;
            // An event naming its recipient is that recipient's; one about a whole shipment is every recipient's.
            IEnumerable<(long? Id, string? Email)> to = e.RecipientId is { } rid
                ? [(rid, named.GetValueOrDefault(rid))]
                : shipment is { Recipients.Count: > 0 } ? shipment.Recipients.Select(r => ((long?)r.Id, r.Email)) : [(null, null)];
            foreach (var (id, email) in to)
            {
                result.Add(new PatientDisclosure
                {
                    AuditId = e.Id,
                    OccurredAt = e.OccurredAt,
                    EventId = e.EventId,
                    Action = e.Action,
                    Outcome = e.Outcome,
                    ActorKind = e.ActorKind,
                    Actor = e.Actor,
                    ActorAddress = e.ActorAddress,
                    StudyId = e.StudyId,
                    ShipmentId = e.ShipmentId,
                    ShipmentReference = shipment?.Reference,
                    RecipientId = id,
                    RecipientEmail = email,
                    Detail = e.Detail,
                });
            }
        }
        return result;
    }
}
