using System.Globalization;
using System.Text.Json.Nodes;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Database;

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
/// The audit trail page: filters, paging with a total, and the CSV export streamed row by row. It reads
/// <c>audit_events</c> itself because it needs what <see cref="AuditTrail.QueryAsync"/> does not offer (a count, the
/// outcome filter, an unbuffered stream); it never writes.
/// </summary>
public sealed class AuditSearch(GatewayDatabase database)
{
    public sealed record Filter(DateTimeOffset? From, DateTimeOffset? To, string? EventId, string? ActorKind, string? Actor, long? ShipmentId, int? Outcome);

    private const string Columns =
        "id AS Id, occurred_at AS OccurredAt, event_id AS EventId, event_type AS EventType, action AS Action, outcome AS Outcome, actor_kind AS ActorKind, " +
        "actor AS Actor, actor_address AS ActorAddress, study_id AS StudyId, shipment_id AS ShipmentId, recipient_id AS RecipientId, detail AS Detail";

    public async Task<(IReadOnlyList<AuditJson> Items, long Total)> SearchAsync(Filter filter, int page, int pageSize, CancellationToken ct)
    {
        var (where, p) = Where(filter);
        p.Add("Limit", pageSize);
        p.Add("Offset", (long)(page - 1) * pageSize);
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM audit_events" + where, p, cancellationToken: ct)).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM audit_events{where} ORDER BY occurred_at DESC, id DESC LIMIT @Limit OFFSET @Offset", p, cancellationToken: ct)).ConfigureAwait(false);
        return ([.. rows.Select(r => r.ToJson())], total);
    }

    /// <summary>Every matching event, newest first, read as it is written out (never the whole trail in memory).</summary>
    public async IAsyncEnumerable<AuditJson> StreamAsync(Filter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var (where, p) = Where(filter);
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        await foreach (var row in connection.QueryUnbufferedAsync<Row>($"SELECT {Columns} FROM audit_events{where} ORDER BY occurred_at DESC, id DESC", p)
                           .WithCancellation(ct).ConfigureAwait(false))
            yield return row.ToJson();
    }

    private static (string Where, DynamicParameters Parameters) Where(Filter f)
    {
        var where = new List<string>();
        var p = new DynamicParameters();
        void Add(string condition, string name, object value)
        {
            where.Add(condition);
            p.Add(name, value);
        }
        if (f.From is { } from) Add("occurred_at >= @From", "From", from.ToUnixTimeMilliseconds());
        if (f.To is { } to) Add("occurred_at < @To", "To", to.ToUnixTimeMilliseconds());
        if (!string.IsNullOrWhiteSpace(f.EventId)) Add("event_id = @EventId", "EventId", f.EventId.Trim());
        if (!string.IsNullOrWhiteSpace(f.ActorKind)) Add("actor_kind = @ActorKind", "ActorKind", f.ActorKind.Trim());
        if (!string.IsNullOrWhiteSpace(f.Actor)) Add("actor = @Actor", "Actor", f.Actor.Trim());
        if (f.ShipmentId is { } shipment) Add("shipment_id = @ShipmentId", "ShipmentId", shipment);
        if (f.Outcome is { } outcome) Add("outcome = @Outcome", "Outcome", outcome);
        return (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "", p);
    }

    private sealed class Row
    {
        public long Id { get; set; }
        public long OccurredAt { get; set; }
        public string EventId { get; set; } = "";
        public string? EventType { get; set; }
        public string Action { get; set; } = "";
        public long Outcome { get; set; }
        public string ActorKind { get; set; } = "";
        public string Actor { get; set; } = "";
        public string? ActorAddress { get; set; }
        public long? StudyId { get; set; }
        public long? ShipmentId { get; set; }
        public long? RecipientId { get; set; }
        public string? Detail { get; set; }

        public AuditJson ToJson() => new()
        {
            Id = Id,
            OccurredAt = DateTimeOffset.FromUnixTimeMilliseconds(OccurredAt),
            EventId = EventId,
            EventName = AuditEventIds.Meaning(EventId),
            EventType = EventType,
            Action = Action,
            Outcome = (int)Outcome,
            ActorKind = ActorKind,
            Actor = Actor,
            ActorAddress = ActorAddress,
            StudyId = StudyId,
            ShipmentId = ShipmentId,
            RecipientId = RecipientId,
            Detail = AuditJson.ParseDetail(Detail),
        };
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
