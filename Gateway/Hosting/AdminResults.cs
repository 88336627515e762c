using Microsoft.AspNetCore.Http;

namespace DicomGateway.Hosting;

/// <summary>
/// The error answers of the administration API, as docs/admin-api.md gives them, and the small readings of a request
/// every feature's endpoints share; here so that each feature answers in the same shape without borrowing another's.
/// </summary>
internal static class AdminResults
{
    public static IResult NotFound() => Results.Json(new { error = "not-found" }, statusCode: StatusCodes.Status404NotFound);

    public static IResult Conflict(string message) => Results.Json(new { error = "conflict", message }, statusCode: StatusCodes.Status409Conflict);

    public static IResult Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Invalid(IDictionary<string, string[]> errors) =>
        Results.Json(new { error = "invalid", errors }, statusCode: StatusCodes.Status400BadRequest);

    public static string? Address(this HttpContext http) => http?.Connection.RemoteIpAddress?.ToString();

    /// <summary>An optional ISO 8601 date or time from the query string; without an offset it is UTC. False when present and not a time.</summary>
    public static bool TryTime(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (!DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed)) return false;
        value = parsed;
        return true;
    }

    /// <summary>Page and page size from the query, within bounds: page from 1, size 1 to <paramref name="max"/> (default <paramref name="fallback"/>).</summary>
    public static (int Page, int PageSize) Paging(int? page, int? pageSize, int fallback = 50, int max = 500) =>
        (Math.Max(page ?? 1, 1), Math.Clamp(pageSize ?? fallback, 1, max));
}
