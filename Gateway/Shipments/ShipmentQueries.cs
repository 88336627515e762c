using Dapper;
using DicomGateway.Database;
using DicomGateway.Notifications;
using DicomGateway.Studies;

namespace DicomGateway.Shipments;

/// <summary>The administration page's view of shipments: search with paging, and one shipment with its recipients and deliveries.</summary>
public sealed class ShipmentQueries(GatewayDatabase database, StudyStore studies, NotificationOutbox outbox)
{
    public static readonly IReadOnlyList<string> States = ["active", "locked", "revoked", "expired", "exhausted", "erased"];

    /// <summary>Shipments by state (<see cref="States"/>): the metrics' gauge.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByStateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string State, long Count)>(new CommandDefinition(
            "SELECT state, count(*) FROM shipments GROUP BY state", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.State, r => r.Count, StringComparer.Ordinal);
    }

    public sealed record Filter(DateTimeOffset? From, DateTimeOffset? To, string? State, string? Recipient, string? Reference, int Page, int PageSize);

    public sealed record RecipientAddress(string? Email, string? Phone);

    public sealed record Summary
    {
        public long Id { get; init; }
        public required string Reference { get; init; }
        public required string State { get; init; }
        public string? RuleName { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset ExpiresAt { get; init; }
        public DateTimeOffset? EndedAt { get; init; }
        public IReadOnlyList<RecipientAddress> Recipients { get; init; } = [];
        public long InstanceCount { get; init; }
        public long TotalBytes { get; init; }
        public long DownloadCount { get; init; }
        public long? MaxDownloads { get; init; }
        public DateTimeOffset? FirstOpenedAt { get; init; }
    }

    public sealed record RecipientDetail(long Id, string? Email, string? Phone, string Language, DateTimeOffset? FirstOpenedAt, long OpenCount, long FailedAttempts,
        DateTimeOffset? LockedAt);

    private const string SummarySelect = """
        SELECT s.id AS Id, s.reference AS Reference, s.state AS State, s.rule_name AS RuleName, s.created_at AS CreatedAt, s.expires_at AS ExpiresAt,
               s.ended_at AS EndedAt, s.study_id AS StudyId, s.download_count AS DownloadCount,
               s.max_downloads AS MaxDownloads, (SELECT MIN(r.first_opened_at) FROM recipients r WHERE r.shipment_id = s.id) AS FirstOpenedAt
        FROM shipments s
        """;

    public async Task<(IReadOnlyList<Summary> Items, long Total)> SearchAsync(Filter filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var where = new List<string>();
        var p = new DynamicParameters();
        if (filter.From is { } from) { where.Add("s.created_at >= @From"); p.Add("From", from.ToUnixTimeMilliseconds()); }
        if (filter.To is { } to) { where.Add("s.created_at < @To"); p.Add("To", to.ToUnixTimeMilliseconds()); }
        if (!string.IsNullOrWhiteSpace(filter.State)) { where.Add("s.state = @State"); p.Add("State", filter.State); }
        if (!string.IsNullOrWhiteSpace(filter.Reference)) { where.Add("s.reference LIKE @Reference ESCAPE '\\'"); p.Add("Reference", Like(filter.Reference.Trim(), prefix: true)); }
        if (!string.IsNullOrWhiteSpace(filter.Recipient))
        {
            where.Add("EXISTS (SELECT 1 FROM recipients r WHERE r.shipment_id = s.id AND (r.email LIKE @Recipient ESCAPE '\\' OR r.phone LIKE @Recipient ESCAPE '\\'))");
            p.Add("Recipient", Like(filter.Recipient.Trim(), prefix: false));
        }
        var whereSql = where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "";
        p.Add("Limit", filter.PageSize);
        p.Add("Offset", (long)(filter.Page - 1) * filter.PageSize);

        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM shipments s" + whereSql, p, cancellationToken: ct)).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<SummaryRow>(new CommandDefinition(
            SummarySelect + whereSql + " ORDER BY s.created_at DESC, s.id DESC LIMIT @Limit OFFSET @Offset", p, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        var ids = rows.Select(r => r.Id).ToArray();
        var recipients = (await connection.QueryAsync<(long ShipmentId, string? Email, string? Phone)>(new CommandDefinition(
                "SELECT shipment_id, email, phone FROM recipients WHERE shipment_id IN @ids ORDER BY id", new { ids }, cancellationToken: ct)).ConfigureAwait(false))
            .ToLookup(r => r.ShipmentId, r => new RecipientAddress(r.Email, r.Phone));
        var counted = await studies.FindManyAsync([.. rows.Select(r => r.StudyId)], ct).ConfigureAwait(false);
        return ([.. rows.Select(r => r.ToSummary(recipients[r.Id].ToList(), counted.GetValueOrDefault(r.StudyId)))], total);
    }

    public async Task<(Summary Summary, IReadOnlyList<RecipientDetail> Recipients, IReadOnlyList<DeliveryRecord> Deliveries)?> DetailsAsync(long id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<SummaryRow>(new CommandDefinition(SummarySelect + " WHERE s.id = @id", new { id }, cancellationToken: ct))
            .ConfigureAwait(false);
        if (row is null) return null;
        var study = await studies.FindAsync(row.StudyId, ct).ConfigureAwait(false);
        var recipients = (await connection.QueryAsync<(long Id, string? Email, string? Phone, string Language, long? FirstOpenedAt, long OpenCount, long FailedAttempts, long? LockedAt)>(
                new CommandDefinition(
                "SELECT id, email, phone, language, first_opened_at, open_count, failed_attempts, locked_at FROM recipients WHERE shipment_id = @id ORDER BY id", new { id }, cancellationToken: ct))
            .ConfigureAwait(false))
            .Select(r => new RecipientDetail(r.Id, r.Email, r.Phone, r.Language, Time(r.FirstOpenedAt), r.OpenCount, r.FailedAttempts, Time(r.LockedAt))).ToList();
        var deliveries = await outbox.DeliveriesOfShipmentAsync(id, ct).ConfigureAwait(false);
        return (row.ToSummary([.. recipients.Select(r => new RecipientAddress(r.Email, r.Phone))], study), recipients, deliveries);
    }

    /// <summary>A LIKE pattern matching <paramref name="text"/> literally: at the start (<paramref name="prefix"/>) or anywhere.</summary>
    internal static string Like(string text, bool prefix)
    {
        var escaped = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
        return (prefix ? "" : "%") + escaped + "%";
    }

    private static DateTimeOffset? Time(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;

    private sealed class SummaryRow
    {
        public long Id { get; set; }
        public string Reference { get; set; } = "";
        public string State { get; set; } = "";
        public string? RuleName { get; set; }
        public long CreatedAt { get; set; }
        public long ExpiresAt { get; set; }
        public long? EndedAt { get; set; }
        public long StudyId { get; set; }
        public long DownloadCount { get; set; }
        public long? MaxDownloads { get; set; }
        public long? FirstOpenedAt { get; set; }

        public Summary ToSummary(IReadOnlyList<RecipientAddress> recipients, Study? study) => new()
        {
            Id = Id,
            Reference = Reference,
            State = State,
            RuleName = RuleName,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
            ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAt),
            EndedAt = Time(EndedAt),
            Recipients = recipients,
            InstanceCount = study?.InstanceCount ?? 0,
            TotalBytes = study?.TotalBytes ?? 0,
            DownloadCount = DownloadCount,
            MaxDownloads = MaxDownloads,
            FirstOpenedAt = Time(FirstOpenedAt),
        };
    }
}
