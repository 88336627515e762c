using DicomGateway.Hosting;
using DicomKit.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace DicomGateway.Nodes;

/// <summary>The node registry's administration endpoints (docs/admin-api.md, "DICOM nodes and forwarding").</summary>
public sealed class NodeEndpoints : IAdminEndpoints
{
    public void Map(RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);

        api.MapGet("/nodes", async (NodeStore nodes, CancellationToken ct) => Results.Ok(await nodes.ListAsync(ct).ConfigureAwait(false)))
            .RequireAuthorization(AdminPolicies.View);

        // What the administration console warns about: whether anyone who reaches the DICOM port may send.
        api.MapGet("/nodes/caller-policy", (NodeStore nodes, IOptions<DicomListenerOptions> listener) =>
        {
            var options = listener.Value;
            var allowList = nodes.HasAllowList || options.AllowedCallingAeTitles.Count > 0;
            return Results.Ok(new
            {
                acceptUnknownCallers = options.AcceptUnknownCallers,
                allowListInEffect = allowList,
                anyoneCanSend = options.AcceptUnknownCallers && !allowList,
            });
        }).RequireAuthorization(AdminPolicies.View);

        api.MapPost("/nodes", async (NodeInput body, HttpContext http, NodeStore nodes, CancellationToken ct) =>
        {
            try
            {
                var id = await nodes.AddAsync(body, Actor(http), ct).ConfigureAwait(false);
                return Results.Ok(new { id });
            }
            catch (NodeValidationException e)
            {
                return Invalid(e);
            }
        }).RequireAuthorization(AdminPolicies.Administer);

        api.MapPut("/nodes/{id:long}", async (long id, NodeInput body, HttpContext http, NodeStore nodes, CancellationToken ct) =>
        {
            try
            {
                return await nodes.UpdateAsync(id, body, Actor(http), ct).ConfigureAwait(false) ? Results.NoContent() : NotFound();
            }
            catch (NodeValidationException e)
            {
                return Invalid(e);
            }
        }).RequireAuthorization(AdminPolicies.Administer);

        api.MapDelete("/nodes/{id:long}", async (long id, HttpContext http, NodeStore nodes, CancellationToken ct) =>
        {
            try
            {
                return await nodes.DeleteAsync(id, Actor(http), ct).ConfigureAwait(false) ? Results.NoContent() : NotFound();
            }
            catch (NodeInUseException e)
            {
                return Results.Conflict(new { error = "conflict", message = e.Message });
            }
        }).RequireAuthorization(AdminPolicies.Administer);

        api.MapPost("/nodes/{id:long}/echo", async (long id, NodeVerifier verifier, CancellationToken ct) =>
        {
            var result = await verifier.EchoAsync(id, ct).ConfigureAwait(false);
            return result is null ? NotFound() : Results.Ok(new { ok = result.Ok, milliseconds = result.Milliseconds, message = result.Message });
        }).RequireAuthorization(AdminPolicies.View);
    }

    internal static string Actor(HttpContext http) => http.User.Identity?.Name ?? "unknown";

    private static IResult NotFound() => Results.NotFound(new { error = "not-found" });

    private static IResult Invalid(NodeValidationException e) => Results.BadRequest(new { error = "invalid", errors = e.Errors });
}
