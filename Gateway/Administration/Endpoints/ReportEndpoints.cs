using System.Globalization;
using DicomGateway.Hosting;
using DicomGateway.Shipments;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;

namespace DicomGateway.Administration;

/// <summary>Statistics and the read-only configuration.</summary>
internal static class ReportEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/statistics", async (string? from, string? to, ShipmentStatistics statistics, TimeProvider time, CancellationToken ct) =>
        {
            var now = time.GetUtcNow();
            var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
            if (!TryMonth(from, thisMonth.AddMonths(-11), out var first)) return AdminResults.Invalid("from", "A month as yyyy-MM.");
            if (!TryMonth(to, thisMonth, out var last)) return AdminResults.Invalid("to", "A month as yyyy-MM.");
            if (last < first) return AdminResults.Invalid("to", "Not before from.");
            var (months, rules) = await statistics.ComputeAsync(first, last.AddMonths(1), ct).ConfigureAwait(false);
            return Results.Ok(new
            {
                months = months.Select(m => new
                {
                    month = m.MonthName,
                    shipments = m.Counts.Shipments,
                    instances = m.Counts.Instances,
                    bytes = m.Counts.Bytes,
                    opened = m.Counts.Opened,
                    expiredUnopened = m.Counts.ExpiredUnopened,
                }),
                rules = rules.Select(r => new
                {
                    ruleId = r.RuleId,
                    ruleName = r.RuleName,
                    shipments = r.Counts.Shipments,
                    instances = r.Counts.Instances,
                    bytes = r.Counts.Bytes,
                    opened = r.Counts.Opened,
                    expiredUnopened = r.Counts.ExpiredUnopened,
                }),
            });
        }).RequireAuthorization(AdminPolicies.View).WithTags("Statistics").WithName("Statistics")
            .WithSummary("Shipments, instances, bytes, opened and expired unopened, per month (UTC) and per rule; from and to are months, to inclusive");

        api.MapGet("/configuration", (IConfiguration configuration) => Results.Ok(ConfigurationView.Of(configuration)))
            .RequireAuthorization(AdminPolicies.View).WithTags("Configuration").WithName("Configuration")
            .WithSummary("The settings that are not routing (appsettings.json and overrides), secrets replaced by \"***\"");
    }

    private static bool TryMonth(string? text, DateTimeOffset fallback, out DateTimeOffset month)
    {
        month = fallback;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (!DateTime.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) return false;
        month = new DateTimeOffset(parsed.Year, parsed.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return true;
    }
}
