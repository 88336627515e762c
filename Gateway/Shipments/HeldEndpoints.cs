using DicomGateway.Hosting;
using DicomGateway.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DicomGateway.Shipments;

/// <summary>The held-study inbox under <c>/api/held</c> (docs/admin-api.md).</summary>
internal sealed class HeldEndpoints : IAdminEndpoints
{
    public sealed record AddressRequest(IReadOnlyList<ShipRecipient>? Recipients, int? ExpiryDays, int? MaxDownloads, string? Language, string? NotifyEmail,
        string? SenderName, string? SenderOrganisation);

    public sealed record DiscardRequest(string? Reason);

    public void Map(RouteGroupBuilder api)
    {
        var held = api.MapGroup("/held").WithTags("Held studies");

        held.MapGet("", async (HeldStudies inbox, CancellationToken ct) => Results.Ok(await inbox.ListAsync(ct).ConfigureAwait(false)))
            .RequireAuthorization(AdminPolicies.View).WithName("ListHeldStudies").WithSummary("Studies no rule addressed, waiting for an administrator");

        held.MapGet("/{studyId:long}", async (long studyId, HttpContext http, HeldStudies inbox, CancellationToken ct) =>
            await inbox.DetailsAsync(studyId, ActorOf(http), ct).ConfigureAwait(false) is { } details ? Results.Ok(Flatten(details)) : NotFound())
            .RequireAuthorization(AdminPolicies.View).WithName("GetHeldStudy").WithSummary("What a held study is (patient, study, series); audited as an access");

        held.MapPost("/{studyId:long}/address", async (long studyId, AddressRequest body, HttpContext http, HeldStudies inbox, CancellationToken ct) =>
        {
            var actor = ActorOf(http);
            var (plan, errors) = await inbox.PlanAsync(new HeldStudies.AddressingRequest(body.Recipients ?? [], body.ExpiryDays, body.MaxDownloads, body.Language,
                body.NotifyEmail, body.SenderName, body.SenderOrganisation), actor, ct).ConfigureAwait(false);
            if (plan is null) return Results.BadRequest(new { error = "invalid", errors });
            var outcome = await inbox.AddressAsync(studyId, plan, actor, ct).ConfigureAwait(false);
            return outcome == SealOutcome.Sealed
                ? Results.Ok(new { shipmentIds = await inbox.ShipmentsOfAsync(studyId, ct).ConfigureAwait(false) })
                : Answer(outcome);
        }).RequireAuthorization(AdminPolicies.Administer).WithName("AddressHeldStudy").WithSummary("Seal a held study into a shipment for the given recipients");

        held.MapPost("/{studyId:long}/route", async (long studyId, HttpContext http, HeldStudies inbox, CancellationToken ct) =>
        {
            var outcome = await inbox.RouteAsync(studyId, ActorOf(http), ct).ConfigureAwait(false);
            return outcome switch
            {
                SealOutcome.Sealed => Results.Ok(new { disposition = "act" }),
                SealOutcome.Held => Results.Ok(new { disposition = "held" }),
                SealOutcome.Discarded => Results.Ok(new { disposition = "discard" }),
                _ => Answer(outcome),
            };
        }).RequireAuthorization(AdminPolicies.Administer).WithName("RouteHeldStudy").WithSummary("Evaluate the saved rules for a held study again");

        held.MapPost("/{studyId:long}/discard", async (long studyId, DiscardRequest? body, HttpContext http, HeldStudies inbox, CancellationToken ct) =>
        {
            var outcome = await inbox.DiscardAsync(studyId, body?.Reason, ActorOf(http), ct).ConfigureAwait(false);
            return outcome == SealOutcome.Discarded ? Results.NoContent() : Answer(outcome);
        }).RequireAuthorization(AdminPolicies.Administer).WithName("DiscardHeldStudy").WithSummary("Erase a held study; the erasure is audited");
    }

    private static SealActor ActorOf(HttpContext http) =>
        new(http.User.Identity?.Name ?? "unknown", http.Connection.RemoteIpAddress?.ToString());

    private static IResult NotFound() => Results.NotFound(new { error = "not-found" });

    private static IResult Answer(SealOutcome outcome) => outcome switch
    {
        SealOutcome.NotFound => NotFound(),
        SealOutcome.Busy => Results.Conflict(new { error = "conflict", message = "An instance of this study is arriving right now; try again in a moment." }),
        SealOutcome.Empty => Results.Conflict(new { error = "conflict", message = "The study has no instances left." }),
        _ => Results.Problem("The study could not be processed; the gateway's log says why.", statusCode: StatusCodes.Status500InternalServerError),
    };

    private static object Flatten(HeldStudies.HeldStudyDetails d) => new
    {
        d.Study.StudyId, d.Study.CallingAeTitle, d.Study.CalledAeTitle, d.Study.RemoteHost, d.Study.FirstReceivedAt, d.Study.LastReceivedAt,
        d.Study.InstanceCount, d.Study.TotalBytes, d.Study.HoldReason, d.Study.Generation, d.PatientName, d.PatientId, d.PatientBirthDate, d.StudyDate, d.StudyDescription, d.AccessionNumber,
        d.ReferringPhysicianName, d.InstitutionName, d.Modalities, d.Series,
    };
}
