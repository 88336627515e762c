using Dapper;
using DicomGateway.Database;
using DicomGateway.Studies;

namespace DicomGateway.Shipments;

/// <summary>
/// Shipments per month (UTC, by creation) and per rule: how many, their instances and bytes (a study's, counted once
/// per shipment of it), how many were opened by at least one recipient, and how many expired with no recipient
/// having opened them (revoked and used-up shipments are not "expired").
/// </summary>
public sealed class ShipmentStatistics(GatewayDatabase database, StudyStore studies)
{
    public sealed record Counts(long Shipments, long Instances, long Bytes, long Opened, long ExpiredUnopened);

    public sealed record Month(string MonthName, Counts Counts);

    public sealed record Rule(long? RuleId, string? RuleName, Counts Counts);

    public async Task<(IReadOnlyList<Month> Months, IReadOnlyList<Rule> Rules)> ComputeAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        List<ShipmentRow> shipments;
        await using (var connection = await database.OpenAsync(ct).ConfigureAwait(false))
        {
            shipments = (await connection.QueryAsync<ShipmentRow>(new CommandDefinition("""
                SELECT strftime('%Y-%m', s.created_at / 1000, 'unixepoch') AS Month, s.rule_id AS RuleId, s.rule_name AS RuleName, s.study_id AS StudyId,
                       EXISTS (SELECT 1 FROM recipients r WHERE r.shipment_id = s.id AND r.first_opened_at IS NOT NULL) AS Opened,
                       (s.state IN ('expired', 'erased') AND s.revoked_at IS NULL AND s.ended_at IS NOT NULL AND s.ended_at >= s.expires_at) AS Expired
                FROM shipments s
                WHERE s.created_at >= @from AND s.created_at < @to
                """, new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        }
        // A study's instances and bytes count once per shipment of it.
        var counted = await studies.FindManyAsync([.. shipments.Select(s => s.StudyId)], ct).ConfigureAwait(false);
        Counts Measure(IEnumerable<ShipmentRow> rows)
        {
            long count = 0, instances = 0, bytes = 0, opened = 0, expiredUnopened = 0;
            foreach (var row in rows)
            {
                count++;
                if (counted.TryGetValue(row.StudyId, out var study)) (instances, bytes) = (instances + study.InstanceCount, bytes + study.TotalBytes);
                if (row.Opened) opened++;
                else if (row.Expired) expiredUnopened++;
            }
            return new Counts(count, instances, bytes, opened, expiredUnopened);
        }
        var months = shipments.GroupBy(s => s.Month).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new Month(g.Key, Measure(g))).ToList();
        var rules = shipments.GroupBy(s => s.RuleId)
            .Select(g => new Rule(g.Key, g.Select(s => s.RuleName).Where(n => n is not null).Max(StringComparer.Ordinal), Measure(g)))
            .OrderByDescending(r => r.Counts.Shipments).ThenBy(r => r.RuleId).ToList();
        return (months, rules);
    }

    private sealed class ShipmentRow
    {
        public string Month { get; set; } = "";
        public long? RuleId { get; set; }
        public string? RuleName { get; set; }
        public long StudyId { get; set; }
        public bool Opened { get; set; }
        public bool Expired { get; set; }
    }
}
