using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Dapper;
using DicomGateway.Database;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Audit;

/// <summary>
/// The audit trail in <c>audit_events</c>: append-only (there is no update or delete here, and triggers refuse them in
/// the database). A state change and its audit event belong in one transaction: pass the caller's connection and
/// transaction to <see cref="RecordAsync(SqliteConnection, SqliteTransaction?, AuditEvent, CancellationToken)"/>, so
/// that both commit or neither does.
/// </summary>
public sealed class AuditTrail(GatewayDatabase database, TimeProvider time)
{
    /// <summary>The largest serialised <see cref="AuditEvent.Detail"/>: an audit row says what happened, it does not carry data.</summary>
    public const int MaxDetailBytes = 8 * 1024;

    private static readonly JsonSerializerOptions DetailJson = new(JsonSerializerDefaults.Web);

    private const string Columns =
        "id AS Id, occurred_at AS OccurredAt, event_id AS EventId, event_type AS EventType, action AS Action, outcome AS Outcome, " +
        "actor_kind AS ActorKind, actor AS Actor, actor_address AS ActorAddress, study_id AS StudyId, shipment_id AS ShipmentId, " +
        "recipient_id AS RecipientId, patient_ref AS PatientRef, detail AS Detail";

    /// <summary>Records an event on a connection of its own (committed when this returns).</summary>
    /// <exception cref="ArgumentException">The event is incomplete, or its detail is larger than <see cref="MaxDetailBytes"/>.</exception>
    public async Task RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var row = ToRow(auditEvent);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await InsertAsync(connection, null, row, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records an event inside the caller's transaction: it commits, or rolls back, with the caller's changes.</summary>
    /// <exception cref="ArgumentException">The event is incomplete, or its detail is larger than <see cref="MaxDetailBytes"/>.</exception>
    public async Task RecordAsync(SqliteConnection connection, SqliteTransaction? transaction, AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var row = ToRow(auditEvent);
        await InsertAsync(connection, transaction, row, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Events that pass every filter of <paramref name="query"/>, newest first, one page of them.</summary>
    public async Task<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Offset < 0) throw new ArgumentException("Offset may not be negative", nameof(query));
        if (query.Limit is < 1 or > AuditQuery.MaxLimit) throw new ArgumentException($"Limit must be from 1 to {AuditQuery.MaxLimit}", nameof(query));
        var (where, parameters) = Where(query);
        parameters.Add("Limit", query.Limit);
        parameters.Add("Offset", query.Offset);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM audit_events{where} ORDER BY occurred_at DESC, id DESC LIMIT @Limit OFFSET @Offset", parameters,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>How many events pass every filter of <paramref name="query"/> (its paging ignored).</summary>
    public async Task<long> CountAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (where, parameters) = Where(query);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM audit_events{where}", parameters,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Every event that passes the filters (paging ignored), newest first, read as it is consumed: never the whole trail in memory.</summary>
    public async IAsyncEnumerable<AuditRecord> StreamAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (where, parameters) = Where(query);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var row in connection.QueryUnbufferedAsync<Row>($"SELECT {Columns} FROM audit_events{where} ORDER BY occurred_at DESC, id DESC", parameters)
                           .WithCancellation(cancellationToken).ConfigureAwait(false))
            yield return row.ToRecord();
    }

    /// <summary>
    /// Up to <paramref name="limit"/> events with an id above <paramref name="afterId"/>, in id order: the export's queue.
    /// Ids grow in commit order: <c>id</c> is the rowid, which SQLite gives as one more than the largest, and SQLite
    /// has one writer at a time, so a transaction that inserts holds the write lock until it commits and no later
    /// commit can take a lower id. Rows are never deleted (the triggers refuse it), so no id is given twice.
    /// </summary>
    public async Task<IReadOnlyList<AuditRecord>> ReadAfterAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > AuditQuery.MaxLimit) throw new ArgumentOutOfRangeException(nameof(limit));
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM audit_events WHERE id > @AfterId ORDER BY id LIMIT @Limit", new { AfterId = afterId, Limit = limit },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRecord())];
    }

    private static (string Where, DynamicParameters Parameters) Where(AuditQuery query)
    {
        var where = new List<string>();
        var parameters = new DynamicParameters();
        void Filter(string condition, string name, object value)
        {
            where.Add(condition);
            parameters.Add(name, value);
        }
        if (query.From is { } from) Filter("occurred_at >= @From", "From", from.ToUnixTimeMilliseconds());
        if (query.To is { } to) Filter("occurred_at < @To", "To", to.ToUnixTimeMilliseconds());
        if (query.EventId is { } eventId) Filter("event_id = @EventId", "EventId", eventId);
        if (query.StudyId is { } studyId) Filter("study_id = @StudyId", "StudyId", studyId);
        if (query.ShipmentId is { } shipmentId) Filter("shipment_id = @ShipmentId", "ShipmentId", shipmentId);
        if (query.PatientRef is { } patientRef) Filter("patient_ref = @PatientRef", "PatientRef", patientRef);
        if (query.Actor is { } actor) Filter("actor = @Actor", "Actor", actor);
        if (query.ActorKind is { } kind) Filter("actor_kind = @ActorKind", "ActorKind", KindText(kind));
        if (query.Outcome is { } outcome) Filter("outcome = @Outcome", "Outcome", (int)outcome);
        return (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "", parameters);
    }

    /// <summary>
    /// The events that disclose a patient's data: every export (110106) and every transfer tied to a shipment (110104
    /// with a shipment or recipient; transfers from modalities into the gateway have neither), found by the event's own
    /// patient reference or through one of the patient's studies or shipments (the caller gives their ids), oldest first.
    /// </summary>
    public async Task<IReadOnlyList<AuditRecord>> DisclosureEventsAsync(byte[] patientRef, IReadOnlyCollection<long> studyIds, IReadOnlyCollection<long> shipmentIds,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patientRef);
        ArgumentNullException.ThrowIfNull(studyIds);
        ArgumentNullException.ThrowIfNull(shipmentIds);
        var sql = $"""
            SELECT {Columns} FROM audit_events
            WHERE (event_id = @Export OR (event_id = @Transferred AND (shipment_id IS NOT NULL OR recipient_id IS NOT NULL)))
              AND (patient_ref = @PatientRef OR study_id IN @StudyIds OR shipment_id IN @ShipmentIds)
            ORDER BY occurred_at, id
            """;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql, new
        {
            Export = AuditEventIds.Export, Transferred = AuditEventIds.InstancesTransferred, PatientRef = patientRef,
            StudyIds = studyIds.ToArray(), ShipmentIds = shipmentIds.ToArray(),
        }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRecord())];
    }

    private Row ToRow(AuditEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (string.IsNullOrWhiteSpace(e.EventId)) throw new ArgumentException("EventId is required", nameof(e));
        if (string.IsNullOrWhiteSpace(e.Actor)) throw new ArgumentException("Actor is required", nameof(e));
        if (!Enum.IsDefined(e.Action)) throw new ArgumentException($"Action {e.Action} is not an EventActionCode", nameof(e));
        if (!Enum.IsDefined(e.Outcome)) throw new ArgumentException($"Outcome {e.Outcome} is not an EventOutcomeIndicator", nameof(e));
        if (!Enum.IsDefined(e.ActorKind)) throw new ArgumentException($"ActorKind {e.ActorKind} is not known", nameof(e));
        string? detail = null;
        if (e.Detail is not null)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(e.Detail, e.Detail.GetType(), DetailJson);
            if (bytes.Length > MaxDetailBytes)
                throw new ArgumentException($"The audit detail is {bytes.Length} bytes of JSON; at most {MaxDetailBytes} are recorded", nameof(e));
            detail = Encoding.UTF8.GetString(bytes);
        }
        return new Row
        {
            OccurredAt = (e.OccurredAt ?? time.GetUtcNow()).ToUnixTimeMilliseconds(),
            EventId = e.EventId,
            EventType = e.EventType,
            Action = ((char)e.Action).ToString(),
            Outcome = (long)e.Outcome,
            ActorKind = KindText(e.ActorKind),
            Actor = e.Actor,
            ActorAddress = e.ActorAddress,
            StudyId = e.StudyId,
            ShipmentId = e.ShipmentId,
            RecipientId = e.RecipientId,
            PatientRef = e.PatientRef,
            Detail = detail,
        };
    }

    private static Task InsertAsync(SqliteConnection connection, SqliteTransaction? transaction, Row row, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO audit_events (occurred_at, event_id, event_type, action, outcome, actor_kind, actor, actor_address,
                                      study_id, shipment_id, recipient_id, patient_ref, detail)
            VALUES (@OccurredAt, @EventId, @EventType, @Action, @Outcome, @ActorKind, @Actor, @ActorAddress,
                    @StudyId, @ShipmentId, @RecipientId, @PatientRef, @Detail)
            """, row, transaction, cancellationToken: cancellationToken));

    private static string KindText(AuditActorKind kind) => kind switch
    {
        AuditActorKind.Node => "node",
        AuditActorKind.Recipient => "recipient",
        AuditActorKind.Administrator => "administrator",
        AuditActorKind.Gateway => "gateway",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static AuditActorKind ParseKind(string text) => text switch
    {
        "node" => AuditActorKind.Node,
        "recipient" => AuditActorKind.Recipient,
        "administrator" => AuditActorKind.Administrator,
        "gateway" => AuditActorKind.Gateway,
        _ => throw new InvalidOperationException($"Unknown actor kind '{text}' in audit_events"),
    };

    private static AuditAction ParseAction(string text) => text.Length == 1 && Enum.IsDefined((AuditAction)text[0])
        ? (AuditAction)text[0]
        : throw new InvalidOperationException($"Unknown action '{text}' in audit_events");

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
        public byte[]? PatientRef { get; set; }
        public string? Detail { get; set; }

        public AuditRecord ToRecord() => new()
        {
            Id = Id,
            OccurredAt = DateTimeOffset.FromUnixTimeMilliseconds(OccurredAt),
            EventId = EventId,
            EventType = EventType,
            Action = ParseAction(Action),
            Outcome = (AuditOutcome)Outcome,
            ActorKind = ParseKind(ActorKind),
            Actor = Actor,
            ActorAddress = ActorAddress,
            StudyId = StudyId,
            ShipmentId = ShipmentId,
            RecipientId = RecipientId,
            PatientRef = PatientRef,
            Detail = Detail,
        };
    }
}
