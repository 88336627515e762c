using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Dapper;
using DicomGateway.Tests.Support;
using Gateway.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Audit;

/// <summary>
/// The real gateway with Debian's rsyslog over TLS as the audit record repository: a study is shipped, unlocked,
/// downloaded and expired, with rsyslog down for the download and the expiry; afterwards rsyslog holds exactly one
/// schema-valid message per audit event the gateway recorded, in the trail's order.
/// </summary>
public sealed partial class AuditRepositoryEndToEndTests : IDisposable
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _dir = new("gw-atna-");

    public void Dispose() => _dir.Dispose();

    private sealed record Row(long Id, string EventId, long OccurredAt);

    [Fact]
    public async Task Rsyslog_receives_one_valid_message_per_audit_event_of_a_ship_unlock_download_expire_cycle_including_those_queued_while_it_was_down()
    {
        using var certificates = await TestCertificates.CreateAsync();
        var server = await certificates.IssueServerAsync();
        var client = await certificates.IssueClientAsync();
        await using var rsyslog = await RsyslogPeer.StartTlsAsync(certificates.CaFile, server);
        var outboxes = new Outboxes(_dir.Path);
        var env = outboxes.Environment(stableSeconds: 1);
        env["Shipments__SweepInterval"] = "00:00:01";
        env["Audit__Repository__Enabled"] = "true";
        env["Audit__Repository__Host"] = "127.0.0.1";
        env["Audit__Repository__Port"] = rsyslog.Port.ToString(CultureInfo.InvariantCulture);
        env["Audit__Repository__Transport"] = "Tls";
        env["Audit__Repository__CaFile"] = certificates.CaFile;
        env["Audit__Repository__CertificateFile"] = client.CertificateFile;
        env["Audit__Repository__KeyFile"] = client.KeyFile;
        await using var gw = await GatewayProcess.StartAsync(env);
        var connection = $"Data Source={gw.DatabasePath};Pooling=False";
        async Task<T> Scalar<T>(string sql)
        {
            await using var db = new SqliteConnection(connection);
            return await db.ExecuteScalarAsync<T>(sql) ?? default!;
        }
        // The cursor as the export started it (it may have moved on before the test can read the table).
        await Eventually.WaitAsync(() => StartedAfter().IsMatch(gw.Output), "the export starts its cursor", Bounded);
        var start = long.Parse(StartedAfter().Match(gw.Output).Groups[1].Value, CultureInfo.InvariantCulture);

        // Ship and unlock while the repository is up.
        var files = Enumerable.Range(1, 2).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);
        var (link, code) = await outboxes.WaitForNotificationAsync();
        using var recipient = new RecipientClient(gw.WebBase, link, code);
        (await recipient.UnlockAsync()).Status.Should().Be(HttpStatusCode.OK);
        await Eventually.WaitAsync(async () => rsyslog.Received().Count > 0 && await Scalar<long>("SELECT last_event_id FROM audit_export") == await Scalar<long>("SELECT max(id) FROM audit_events"),
            "the events so far reach rsyslog", Bounded);

        // Download and expire while it is down: these events queue.
        await rsyslog.StopAsync();
        var manifest = await recipient.ManifestAsync();
        foreach (var entry in manifest.Series.SelectMany(s => s.Instances)) await recipient.DecryptBlobAsync(entry.Ordinal);
        await using (var db = new SqliteConnection(connection))
            await db.ExecuteAsync("UPDATE shipments SET expires_at = @past", new { past = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() });
        await Eventually.WaitAsync(async () => await Scalar<long>("SELECT count(*) FROM shipments WHERE state IN ('expired', 'erased')") == 1, "the shipment expires", Bounded);
        var queuedFrom = await Scalar<long>("SELECT last_event_id FROM audit_export");
        (await Scalar<long>("SELECT max(id) FROM audit_events")).Should().BeGreaterThan(queuedFrom, "the download and the expiry are recorded while rsyslog is down");

        await rsyslog.StartAsync();
        await Eventually.WaitAsync(async () => await Scalar<long>("SELECT last_event_id FROM audit_export") == await Scalar<long>("SELECT max(id) FROM audit_events"),
            "the queued events are sent", Bounded);
        var recorded = await Scalar<long>("SELECT max(id) FROM audit_events");
        await gw.TerminateAsync();
        await rsyslog.StopAsync();
        var cursor = await Scalar<long>("SELECT last_event_id FROM audit_export");
        cursor.Should().BeGreaterThanOrEqualTo(recorded);

        await using var read = new SqliteConnection(connection);
        // Events recorded at shutdown after the last send (the aggregator's flush) may stay queued for the next start.
        var rows = (await read.QueryAsync<Row>("SELECT id AS Id, event_id AS EventId, occurred_at AS OccurredAt FROM audit_events WHERE id > @start AND id <= @cursor ORDER BY id",
            new { start, cursor })).ToList();
        var received = rsyslog.Received();
        var xml = received.Select(m => m.Message.TrimStart('\ufeff')).ToList();
        var sent = xml.Select(x => XDocument.Parse(x).Root!.Element("EventIdentification")!).Select(e =>
            (e.Element("EventID")!.Attribute("csd-code")!.Value, DateTimeOffset.Parse(e.Attribute("EventDateTime")!.Value, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds())).ToList();
        sent.Should().Equal(rows.Select(r => (r.EventId, r.OccurredAt)), "one message per audit event, in the trail's order, none twice");
        rows.Count(r => r.Id > queuedFrom).Should().BePositive("events queued while rsyslog was down were delivered");
        rows.Select(r => r.EventId).Should().Contain(["110104", "110106"], "the cycle records transfers and the export");
        received.Should().OnlyContain(m => m.AppName == "DicomGateway" && m.MsgId == "IHE+RFC-3881" && m.Version == "1");
        (await AuditSchema.ProblemsAsync(xml)).Should().BeNull();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Audit export over Tls to 127\.0\.0\.1:\d+ starts after event (\d+)")]
    private static partial System.Text.RegularExpressions.Regex StartedAfter();
}
