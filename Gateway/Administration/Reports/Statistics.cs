using Dapper;
using DicomGateway.Database;

namespace DicomGateway.Administration;

/// <summary>
/// Shipments per month (UTC, by creation) and per rule: how many, their instances and bytes (a study's, counted once
/// per shipment of it), how many were opened by at least one recipient, and how many expired with no recipient
/// having opened them (revoked and used-up shipments are not "expired").
/// </summary>
public sealed class Statistics(GatewayDatabase database)
{
    public sealed record Counts(long Shipments, long Instances, long Bytes, long Opened, long ExpiredUnopened);

    public sealed record Month(string MonthName, Counts Counts);

    public sealed record Rule(long? RuleId, string? RuleName, Counts Counts);

    private const string Measures = """
        COUNT(*) AS Shipments, COALESCE(SUM(st.instance_count), 0) AS Instances, COALESCE(SUM(st.total_bytes), 0) AS Bytes,
        COALESCE(SUM(o.opened), 0) AS Opened,
        COALESCE(SUM(CASE WHEN o.opened = 0 AND s.state IN ('expired', 'erased') AND s.revoked_at IS NULL AND s.ended_at IS NOT NULL AND s.ended_at >= s.expires_at
                          THEN 1 ELSE 0 END), 0) AS ExpiredUnopened
        """;

    private const string From = """
        FROM shipments s JOIN studies st ON st.id = s.study_id
        JOIN (SELECT sh.id AS shipment_id,
                     EXISTS (SELECT 1 FROM recipients r WHERE r.shipment_id = sh.id AND r.first_opened_at IS NOT NULL) AS opened
              FROM shipments sh) o ON o.shipment_id = s.id
        WHERE s.created_at >= @from AND s.created_at < @to
        """;

    public async Task<(IReadOnlyList<Month> Months, IReadOnlyList<Rule> Rules)> ComputeAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var p = new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() };
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var months = await connection.QueryAsync<MonthRow>(new CommandDefinition($"""
            SELECT strftime('%Y-%m', s.created_at / 1000, 'unixepoch') AS Month, {Measures} {From}
            GROUP BY Month ORDER BY Month
            """, p, cancellationToken: ct)).ConfigureAwait(false);
        var rules = await connection.QueryAsync<RuleRow>(new CommandDefinition($"""
            SELECT s.rule_id AS RuleId, MAX(s.rule_name) AS RuleName, {Measures} {From}
            GROUP BY s.rule_id ORDER BY Shipments DESC, RuleId
            """, p, cancellationToken: ct)).ConfigureAwait(false);
        return ([.. months.Select(m => new Month(m.Month, m.ToCounts()))], [.. rules.Select(r => new Rule(r.RuleId, r.RuleName, r.ToCounts()))]);
    }

    private class CountRow
    {
        public long Shipments { get; set; }
        public long Instances { get; set; }
        public long Bytes { get; set; }
        public long Opened { get; set; }
        public long ExpiredUnopened { get; set; }

        public Counts ToCounts() => new(Shipments, Instances, Bytes, Opened, ExpiredUnopened);
    }

    private sealed class MonthRow : CountRow
    {
        public string Month { get; set; } = "";
    }

    private sealed class RuleRow : CountRow
    {
        public long? RuleId { get; set; }
        public string? RuleName { get; set; }
    }
}
