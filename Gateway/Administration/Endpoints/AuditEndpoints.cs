using DicomGateway.Hosting;
using System.Globalization;
using System.Text;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Studies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DicomGateway.Administration;

/// <summary>The audit trail: search, CSV export, and "to whom was this patient's data disclosed". Reading it is itself audited where it discloses.</summary>
internal static class AuditEndpoints
{
    public sealed record DisclosureRequest(string? PatientId);

    public static void Map(RouteGroupBuilder api)
    {
        var auditGroup = api.MapGroup("/audit").WithTags("Audit trail").RequireAuthorization(AdminPolicies.Audit);

        auditGroup.MapGet("/", async (string? from, string? to, string? eventId, string? actorKind, string? actor, long? shipmentId, int? outcome, int? page, int? pageSize,
            AuditTrail audit, CancellationToken ct) =>
        {
            if (Filter(from, to, eventId, actorKind, actor, shipmentId, outcome, out var filter) is { } invalid) return invalid;
            var (p, size) = AdminResults.Paging(page, pageSize, fallback: 100, max: AuditQuery.MaxLimit);
            var records = await audit.QueryAsync(filter with { Offset = (p - 1) * size, Limit = size }, ct).ConfigureAwait(false);
            var total = await audit.CountAsync(filter, ct).ConfigureAwait(false);
            return Results.Ok(new { items = records.Select(AuditJson.Of).ToList(), total });
        }).WithName("SearchAudit").WithSummary("Audit events by time, event, actor, shipment and outcome, newest first");

        auditGroup.MapGet("/export.csv", async (string? from, string? to, string? eventId, string? actorKind, string? actor, long? shipmentId, int? outcome,
            HttpContext http, AuditTrail audit, CancellationToken ct) =>
        {
            if (Filter(from, to, eventId, actorKind, actor, shipmentId, outcome, out var filter) is { } invalid) return invalid;
            await audit.RecordAsync(new AuditEvent
            {
                EventId = AuditEventIds.Query,
                Action = AuditAction.Read,
                ActorKind = AuditActorKind.Administrator,
                Actor = http.User.Actor(),
                ActorAddress = http.Address(),
                Detail = new { what = "audit trail exported", from, to, eventId, actorKind, actor, shipmentId, outcome },
            }, ct).ConfigureAwait(false);
            return Results.Stream(async body =>
            {
                await using var writer = new StreamWriter(body, new UTF8Encoding(false), 64 * 1024);
                await writer.WriteAsync(Csv.Line("id", "occurredAt", "eventId", "eventName", "eventType", "action", "outcome", "actorKind", "actor",
                    "actorAddress", "studyId", "shipmentId", "recipientId", "detail")).ConfigureAwait(false);
                await foreach (var record in audit.StreamAsync(filter, ct).ConfigureAwait(false))
                {
                    var e = AuditJson.Of(record);
                    await writer.WriteAsync(Csv.Line(Csv.Number(e.Id), e.OccurredAt.ToString("O", CultureInfo.InvariantCulture), e.EventId, e.EventName, e.EventType,
                        e.Action, Csv.Number(e.Outcome), e.ActorKind, e.Actor, e.ActorAddress, Csv.Number(e.StudyId), Csv.Number(e.ShipmentId),
                        Csv.Number(e.RecipientId), e.Detail?.ToJsonString())).ConfigureAwait(false);
                }
            }, "text/csv; charset=utf-8", "audit.csv");
        }).WithName("ExportAudit").WithSummary("The matching audit events as CSV (the export is audited)");

        auditGroup.MapPost("/disclosures", async (DisclosureRequest body, HttpContext http, StudyIdentifiers identifiers, AuditTrail audit, DisclosureReport report,
            CancellationToken ct) =>
        {
            // The same normalisation and keyed hash as ingest: the ID itself is never stored or logged.
            var patientId = HeaderValues.Clean(body.PatientId);
            if (patientId is null || patientId.Length > 64) return AdminResults.Invalid("patientId", "A patient ID of 1 to 64 characters.");
            var patientRef = identifiers.PatientRef(patientId)!;
            var disclosures = await report.OfPatientAsync(patientRef, ct).ConfigureAwait(false);
            await audit.RecordAsync(new AuditEvent
            {
                EventId = AuditEventIds.Query,
                Action = AuditAction.Read,
                ActorKind = AuditActorKind.Administrator,
                Actor = http.User.Actor(),
                ActorAddress = http.Address(),
                PatientRef = patientRef,
                Detail = new { what = "patient disclosure lookup", results = disclosures.Count },
            }, ct).ConfigureAwait(false);
            return Results.Ok(disclosures.Select(d => new
            {
                occurredAt = d.OccurredAt,
                eventId = d.EventId,
                eventName = AuditEventIds.Meaning(d.EventId),
                outcome = (int)d.Outcome,
                shipmentId = d.ShipmentId,
                shipmentReference = d.ShipmentReference,
                recipient = d.RecipientEmail,
                actor = d.Actor,
                detail = AuditJson.ParseDetail(d.Detail),
            }));
        }).WithName("PatientDisclosures").WithSummary("To whom was this patient's data disclosed (POST: the patient ID stays out of URLs; the lookup is audited)");
    }

    private static IResult? Filter(string? from, string? to, string? eventId, string? actorKind, string? actor, long? shipmentId, int? outcome, out AuditQuery filter)
    {
        filter = new AuditQuery();
        if (!AdminResults.TryTime(from, out var since)) return AdminResults.Invalid("from", "An ISO 8601 date or time.");
        if (!AdminResults.TryTime(to, out var until)) return AdminResults.Invalid("to", "An ISO 8601 date or time.");
        AuditActorKind? kind = actorKind switch
        {
            null or "" => null,
            "node" => AuditActorKind.Node,
            "recipient" => AuditActorKind.Recipient,
            "administrator" => AuditActorKind.Administrator,
            "gateway" => AuditActorKind.Gateway,
            _ => (AuditActorKind)(-1),
        };
        if (kind == (AuditActorKind)(-1)) return AdminResults.Invalid("actorKind", "One of node, recipient, administrator, gateway.");
        if (outcome is not (null or 0 or 4 or 8 or 12)) return AdminResults.Invalid("outcome", "One of 0, 4, 8, 12.");
        filter = new AuditQuery
        {
            From = since,
            To = until,
            EventId = string.IsNullOrWhiteSpace(eventId) ? null : eventId.Trim(),
            ActorKind = kind,
            Actor = string.IsNullOrWhiteSpace(actor) ? null : actor.Trim(),
            ShipmentId = shipmentId,
            Outcome = (AuditOutcome?)outcome,
        };
        return null;
    }
}
