using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DicomGateway.Health;

/// <summary>
/// /healthz (the process serves HTTP) and /readyz (the gateway can take studies: 200, or 503 naming the failed
/// checks). Anonymous, without rate limits (a load balancer polls them; /readyz answers from a one-second cache), and
/// without anything that identifies a patient, a shipment, a path or an address.
/// </summary>
public static class HealthEndpoints
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // Probes for load balancers and monitoring, not operations of the administration API: kept out of its document.
        endpoints.MapGet(LivenessPath, () => Results.Json(new LivenessBody("alive"), HealthJson.Default.LivenessBody))
            .AllowAnonymous().DisableRateLimiting().ExcludeFromDescription();
        endpoints.MapGet(ReadinessPath, async (Readiness readiness, HttpContext context) =>
        {
            var report = await readiness.CheckAsync(context.RequestAborted).ConfigureAwait(false);
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(new ReadinessBody(report.Status, report.Checks), HealthJson.Default.ReadinessBody,
                statusCode: report.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous().DisableRateLimiting().ExcludeFromDescription();
        return endpoints;
    }
}

public sealed record LivenessBody([property: JsonPropertyName("status")] string Status);

public sealed record ReadinessBody(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("checks")] IReadOnlyDictionary<string, string> Checks);

[JsonSerializable(typeof(LivenessBody))]
[JsonSerializable(typeof(ReadinessBody))]
internal sealed partial class HealthJson : JsonSerializerContext;
