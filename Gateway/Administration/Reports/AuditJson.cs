using System.Globalization;
using System.Text.Json.Nodes;
using DicomGateway.Audit;

namespace DicomGateway.Administration;

/// <summary>An audit record as the API answers it (docs/admin-api.md, <c>AuditRecord</c>).</summary>
public sealed record AuditJson
{
    public long Id { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public required string EventId { get; init; }
    public string? EventName { get; init; }
    public string? EventType { get; init; }
    public required string Action { get; init; }
    public int Outcome { get; init; }
    public required string ActorKind { get; init; }
    public required string Actor { get; init; }
    public string? ActorAddress { get; init; }
    public long? StudyId { get; init; }
    public long? ShipmentId { get; init; }
    public long? RecipientId { get; init; }
    public JsonNode? Detail { get; init; }

    public static AuditJson Of(AuditRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new AuditJson
        {
            Id = r.Id,
            OccurredAt = r.OccurredAt,
            EventId = r.EventId,
            EventName = AuditEventIds.Meaning(r.EventId),
            EventType = r.EventType,
            Action = ((char)r.Action).ToString(),
            Outcome = (int)r.Outcome,
            ActorKind = r.ActorKind.ToString().ToLowerInvariant(),
            Actor = r.Actor,
            ActorAddress = r.ActorAddress,
            StudyId = r.StudyId,
            ShipmentId = r.ShipmentId,
            RecipientId = r.RecipientId,
            Detail = ParseDetail(r.Detail),
        };
    }

    internal static JsonNode? ParseDetail(string? detail)
    {
        if (detail is null) return null;
        try
        {
            return JsonNode.Parse(detail);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(detail);
        }
    }
}

/// <summary>
/// CSV as RFC 4180 has it (CRLF line ends, fields with a comma, quote or line break in quotes, quotes doubled), and
/// safe to open in a spreadsheet: a field that starts with =, +, -, @, a tab or a carriage return is prefixed with an
/// apostrophe so it is never taken as a formula (OWASP "CSV injection").
/// </summary>
public static class Csv
{
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static string Line(params string?[] fields) => string.Join(',', fields.Select(Field)) + "\r\n";

    public static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
