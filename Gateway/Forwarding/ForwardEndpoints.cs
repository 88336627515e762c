using DicomGateway.Hosting;
using DicomGateway.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DicomGateway.Forwarding;

/// <summary>The forwarding queue's administration endpoints (docs/admin-api.md, "DICOM nodes and forwarding").</summary>
public sealed class ForwardEndpoints : IAdminEndpoints
{
    public void Map(RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);

        api.MapGet("/forwards", async (string? state, ForwardQueue queue, CancellationToken ct) =>
        {
            if (!string.IsNullOrEmpty(state) && !ForwardStates.All.Contains(state))
                return Results.BadRequest(new { error = "invalid", errors = new Dictionary<string, string[]> { ["state"] = [$"One of {string.Join(", ", ForwardStates.All)}"] } });
            return Results.Ok(await queue.ListAsync(string.IsNullOrEmpty(state) ? null : state, ct).ConfigureAwait(false));
        }).RequireAuthorization(AdminPolicies.View);

        api.MapPost("/forwards/{id:long}/retry", async (long id, HttpContext http, ForwardQueue queue, CancellationToken ct) =>
            Answer(await queue.RetryAsync(id, NodeEndpoints.Actor(http), ct).ConfigureAwait(false), "Only a queued or failed forward can be retried"))
            .RequireAuthorization(AdminPolicies.Administer);

        api.MapPost("/forwards/{id:long}/cancel", async (long id, HttpContext http, ForwardQueue queue, CancellationToken ct) =>
            Answer(await queue.CancelAsync(id, NodeEndpoints.Actor(http), ct).ConfigureAwait(false), "The forward has already ended (done or cancelled)"))
            .RequireAuthorization(AdminPolicies.Administer);
    }

    private static IResult Answer(ForwardChange change, string conflict) => change switch
    {
        ForwardChange.Done => Results.NoContent(),
        ForwardChange.NotFound => Results.NotFound(new { error = "not-found" }),
        _ => Results.Conflict(new { error = "conflict", message = conflict }),
    };
}
