using DicomGateway.Audit;
using DicomGateway.Hosting;
using DicomGateway.Notifications;
using DicomGateway.Shipments;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DicomGateway.Administration;

/// <summary>Shipments: search, details with deliveries and audit events, revoke, extend, resend, unlock a recipient.</summary>
internal static class ShipmentEndpoints
{
    public sealed record RevokeRequest(string? Reason);

    public sealed record ExtendRequest(int Days);

    public sealed record ResendRequest(long RecipientId, string? Channel);

    public static void Map(RouteGroupBuilder api)
    {
        var shipments = api.MapGroup("/shipments").WithTags("Shipments");

        shipments.MapGet("/", async (string? from, string? to, string? state, string? recipient, string? reference, int? page, int? pageSize,
            ShipmentQueries queries, CancellationToken ct) =>
        {
            if (state is not null && !ShipmentQueries.States.Contains(state)) return AdminResults.Invalid("state", "One of " + string.Join(", ", ShipmentQueries.States) + ".");
            if (!AdminResults.TryTime(from, out var since)) return AdminResults.Invalid("from", "An ISO 8601 date or time (UTC unless it says otherwise).");
            if (!AdminResults.TryTime(to, out var until)) return AdminResults.Invalid("to", "An ISO 8601 date or time (UTC unless it says otherwise).");
            var (p, size) = AdminResults.Paging(page, pageSize);
            var (items, total) = await queries.SearchAsync(new ShipmentQueries.Filter(since, until, state, recipient, reference, p, size), ct).ConfigureAwait(false);
            return Results.Ok(new { items, total });
        }).RequireAuthorization(AdminPolicies.View).WithName("SearchShipments").WithSummary("Shipments by creation date, state, recipient and reference, newest first");

        shipments.MapGet("/{id:long}", async (long id, ShipmentQueries queries, AuditTrail audit, CancellationToken ct) =>
        {
            if (await queries.DetailsAsync(id, ct).ConfigureAwait(false) is not { } details) return AdminResults.NotFound();
            var events = await audit.QueryAsync(new AuditQuery { ShipmentId = id, Limit = AuditQuery.MaxLimit }, ct).ConfigureAwait(false);
            var s = details.Summary;
            return Results.Ok(new
            {
                s.Id,
                s.Reference,
                s.State,
                s.RuleName,
                s.CreatedAt,
                s.ExpiresAt,
                s.EndedAt,
                s.InstanceCount,
                s.TotalBytes,
                s.DownloadCount,
                s.MaxDownloads,
                s.FirstOpenedAt,
                recipients = details.Recipients,
                deliveries = details.Deliveries,
                events = events.OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).Select(AuditJson.Of),
            });
        }).RequireAuthorization(AdminPolicies.View).WithName("GetShipment").WithSummary("One shipment with every recipient, delivery and audit event");

        shipments.MapPost("/{id:long}/revoke", async (long id, RevokeRequest body, HttpContext http, ShipmentAdministration admin, ShipmentQueries queries, CancellationToken ct) =>
        {
            if (body.Reason is { Length: > 500 }) return AdminResults.Invalid("reason", "At most 500 characters.");
            if (await admin.RevokeAsync(id, http.User.Actor(), body.Reason, ct).ConfigureAwait(false)) return Results.NoContent();
            return await queries.DetailsAsync(id, ct).ConfigureAwait(false) is null ? AdminResults.NotFound() : AdminResults.Conflict("The shipment has already ended.");
        }).RequireAuthorization(AdminPolicies.Administer).WithName("RevokeShipment").WithSummary("Ends a shipment now; its keys and data are then erased");

        shipments.MapPost("/{id:long}/extend", async (long id, ExtendRequest body, HttpContext http, ShipmentAdministration admin, ShipmentQueries queries, CancellationToken ct) =>
        {
            if (body.Days is < 1 or > 365) return AdminResults.Invalid("days", "From 1 to 365.");
            if (await admin.ExtendAsync(id, body.Days, http.User.Actor(), http.Address(), ct).ConfigureAwait(false) is { } expiresAt) return Results.Ok(new { expiresAt });
            return await queries.DetailsAsync(id, ct).ConfigureAwait(false) is null ? AdminResults.NotFound() : AdminResults.Conflict("The shipment has already ended.");
        }).RequireAuthorization(AdminPolicies.Administer).WithName("ExtendShipment").WithSummary("Adds days to a shipment's expiry");

        shipments.MapPost("/{id:long}/recipients/{recipientId:long}/unlock", async (long id, long recipientId, HttpContext http, ShipmentAdministration admin, CancellationToken ct) =>
                await admin.UnlockRecipientAsync(id, recipientId, http.User.Actor(), http.Address(), ct).ConfigureAwait(false) ? Results.NoContent() : AdminResults.NotFound())
            .RequireAuthorization(AdminPolicies.Resend).WithName("UnlockRecipient")
            .WithSummary("Lets a recipient locked by wrong codes try again (clears its count of wrong codes)");

        shipments.MapPost("/{id:long}/resend", async (long id, ResendRequest body, HttpContext http, NotificationResend resend, CancellationToken ct) =>
        {
            if (body.Channel is not (DeliveryChannel.Sms or DeliveryChannel.Email)) return AdminResults.Invalid("channel", "\"sms\" or \"email\".");
            var outcome = await resend.ResendAsync(id, body.RecipientId, body.Channel, http.User.Actor(), http.Address(), ct).ConfigureAwait(false);
            return outcome switch
            {
                NotificationResend.Outcome.Queued => Results.NoContent(),
                NotificationResend.Outcome.NotFound => AdminResults.NotFound(),
                NotificationResend.Outcome.RateLimited => Results.Json(new { error = "rate-limited", message = "The code was sent again too often in the last hour (Sms:MaxResendsPerHour); try later." },
                    statusCode: StatusCodes.Status429TooManyRequests),
                NotificationResend.Outcome.NoPhone => AdminResults.Conflict("The recipient has no valid phone number."),
                NotificationResend.Outcome.NoEmail => AdminResults.Conflict("The recipient has no e-mail address."),
                NotificationResend.Outcome.AlreadySent => AdminResults.Conflict(
                    "The e-mail with the link was delivered; it cannot be sent again because the gateway does not keep the link's key. Revoke the shipment and send the study again if the recipient lost it."),
                NotificationResend.Outcome.FailedForGood => AdminResults.Conflict(
                    "The e-mail failed for good and its link was erased; the gateway does not keep the link's key. Revoke the shipment and send the study again."),
                NotificationResend.Outcome.Sending => AdminResults.Conflict("The e-mail is being sent right now."),
                _ => AdminResults.Conflict("The shipment is no longer active."),
            };
        }).RequireAuthorization(AdminPolicies.Resend).WithName("ResendNotification").WithSummary("Sends the SMS code again, or retries an e-mail not yet sent");
    }
}
