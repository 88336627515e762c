using DicomGateway.Hosting;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace DicomGateway.Routing;

/// <summary>
/// The admin API of routing rules and the dry run (docs/admin-api.md, "Routing rules and the address book"). Thin:
/// the store validates, writes, audits and evaluates; this maps HTTP to it and its exceptions to 400, 404 and 409.
/// </summary>
public sealed class RuleEndpoints(RuleStore rules, IStudyHeaders studies, INodeDirectory nodes, TimeProvider time) : IAdminEndpoints
{
    /// <summary>The largest dry-run upload: one instance of a large multi-frame series, read up to its pixel data.</summary>
    public const long MaxUploadBytes = 512L * 1024 * 1024;

    public void Map(RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/rules", async (CancellationToken ct) => Results.Json(await rules.ListAsync(ct).ConfigureAwait(false), RuleJson.Options))
            .RequireAuthorization(AdminPolicies.View);

        api.MapGet("/rules/{id:long}", async (long id, CancellationToken ct) =>
                await rules.GetAsync(id, ct).ConfigureAwait(false) is { } rule ? Results.Json(rule, RuleJson.Options) : AdminResults.NotFound())
            .RequireAuthorization(AdminPolicies.View);

        api.MapPost("/rules", async (HttpContext http, CancellationToken ct) =>
        {
            var (rule, problem) = await ReadAsync<RoutingRule>(http, ct).ConfigureAwait(false);
            if (rule is null) return problem!;
            try
            {
                return Results.Json(new { id = await rules.AddAsync(rule, http.User.Actor(), ct).ConfigureAwait(false) }, RuleJson.Options);
            }
            catch (RuleValidationException e)
            {
                return AdminResults.Invalid(e.ByField());
            }
        }).RequireAuthorization(AdminPolicies.Administer);

        api.MapPut("/rules/{id:long}", async (long id, HttpContext http, CancellationToken ct) =>
        {
            var (rule, problem) = await ReadAsync<RoutingRule>(http, ct).ConfigureAwait(false);
            if (rule is null) return problem!;
            try
            {
                return await rules.UpdateAsync(rule with { Id = id }, http.User.Actor(), ct).ConfigureAwait(false) ? Results.NoContent() : AdminResults.NotFound();
            }
            catch (RuleValidationException e)
            {
                return AdminResults.Invalid(e.ByField());
            }
        }).RequireAuthorization(AdminPolicies.Administer);

        api.MapDelete("/rules/{id:long}", async (long id, HttpContext http, CancellationToken ct) =>
                await rules.DeleteAsync(id, http.User.Actor(), ct).ConfigureAwait(false) ? Results.NoContent() : AdminResults.NotFound())
            .RequireAuthorization(AdminPolicies.Administer);

        api.MapPost("/rules/order", async (HttpContext http, CancellationToken ct) =>
        {
            var (body, problem) = await ReadAsync<OrderRequest>(http, ct).ConfigureAwait(false);
            if (body is null) return problem!;
            try
            {
                await rules.ReorderAsync(body.Ids ?? [], http.User.Actor(), ct).ConfigureAwait(false);
                return Results.NoContent();
            }
            catch (RuleValidationException e)
            {
                return AdminResults.Invalid(e.ByField());
            }
        }).RequireAuthorization(AdminPolicies.Administer);

        api.MapPost("/rules/{id:long}/enabled", async (long id, HttpContext http, CancellationToken ct) =>
        {
            var (body, problem) = await ReadAsync<EnabledRequest>(http, ct).ConfigureAwait(false);
            if (body is null) return problem!;
            return await rules.SetEnabledAsync(id, body.Enabled, http.User.Actor(), ct).ConfigureAwait(false) ? Results.NoContent() : AdminResults.NotFound();
        }).RequireAuthorization(AdminPolicies.Administer);

        api.MapPost("/rules/validate", async (HttpContext http, CancellationToken ct) =>
        {
            var (rule, problem) = await ReadAsync<RoutingRule>(http, ct).ConfigureAwait(false);
            if (rule is null) return problem!;
            var errors = await rules.ValidateAsync(rule, ct).ConfigureAwait(false);
            return errors.Count == 0 ? Results.Json(new { }) : AdminResults.Invalid(FieldError.Group(errors));
        }).RequireAuthorization(AdminPolicies.Administer);

        api.MapPost("/rules/dry-run", DryRunAsync)
            .RequireAuthorization(AdminPolicies.View)
            .DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitMetadata(MaxUploadBytes));

        api.MapGet("/dry-run/studies", async (CancellationToken ct) => Results.Json(await studies.ListReadableAsync(ct).ConfigureAwait(false), RuleJson.Options))
            .RequireAuthorization(AdminPolicies.View);
    }

    private async Task<IResult> DryRunAsync(HttpContext http, CancellationToken ct)
    {
        RoutingInput input;
        IReadOnlyList<RoutingRule>? unsaved;
        if (http.Request.HasFormContentType)
        {
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = MaxUploadBytes;
            // DicomKit parses synchronously; this request's body may be read so (the ingest path never is).
            if (http.Features.Get<IHttpBodyControlFeature>() is { } control) control.AllowSynchronousIO = true;
            try
            {
                var upload = await DryRunUpload.ReadAsync(http.Request.Body, http.Request.ContentType, time.GetUtcNow(), ct).ConfigureAwait(false);
                (input, unsaved) = (upload.Input, upload.Rules);
            }
            catch (DryRunUploadException e)
            {
                return AdminResults.Invalid(new Dictionary<string, string[]> { [e.Field] = [e.Message] });
            }
        }
        else
        {
            var (body, problem) = await ReadAsync<DryRunRequest>(http, ct).ConfigureAwait(false);
            if (body is null) return problem!;
            if (body.StudyId is not { } studyId) return AdminResults.Invalid(new Dictionary<string, string[]> { ["studyId"] = ["is required (or upload a file)"] });
            if (await studies.ReadAsync(studyId, http.User.Identity?.Name ?? "unknown", http.Connection.RemoteIpAddress?.ToString(), ct).ConfigureAwait(false) is not { } read)
                return AdminResults.NotFound();
            (input, unsaved) = (read, body.Rules);
        }
        try
        {
            var decision = await rules.DryRunAsync(input, unsaved, ct).ConfigureAwait(false);
            return Results.Json(await DryRunReport.CreateAsync(decision, nodes, ct).ConfigureAwait(false), RuleJson.Options);
        }
        catch (RuleValidationException e)
        {
            return AdminResults.Invalid(e.ByField());
        }
    }

    private static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpContext http, CancellationToken ct) where T : class
    {
        try
        {
            var body = await http.Request.ReadFromJsonAsync<T>(RuleJson.Options, ct).ConfigureAwait(false);
            return body is null ? (null, AdminResults.Invalid(new Dictionary<string, string[]> { ["body"] = ["is empty"] })) : (body, null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, AdminResults.Invalid(new Dictionary<string, string[]> { ["body"] = ["is not valid JSON for this request: " + e.Message] }));
        }
    }

    private sealed record OrderRequest(IReadOnlyList<long>? Ids);

    private sealed record EnabledRequest(bool Enabled);

    private sealed record DryRunRequest(long? StudyId, IReadOnlyList<RoutingRule>? Rules);

    /// <summary>The request size limit of the dry run, as endpoint metadata (the server's default limit is far smaller).</summary>
    private sealed class RequestSizeLimitMetadata(long maxRequestBodySize) : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize { get; } = maxRequestBodySize;
    }
}
