using System.Xml.Linq;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Tests.Support;
using Gateway.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Audit;

/// <summary>The export against Debian's rsyslog as the audit record repository, over TLS and UDP, with outages and restarts.</summary>
public sealed class AuditExporterTests : IDisposable
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(60);

    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private AuditExporter Exporter(AuditRepositoryOptions options, DicomGateway.Database.GatewayDatabase? database = null)
    {
        var db = database ?? _db.Database;
        return new AuditExporter(new AuditTrail(db, TimeProvider.System), new AuditExportCursor(db, TimeProvider.System),
            Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<AuditExporter>.Instance);
    }

    private async Task<long> RecordAsync(int count, string actor)
    {
        var trail = new AuditTrail(_db.Database, TimeProvider.System);
        for (var i = 0; i < count; i++)
        {
            await trail.RecordAsync(new AuditEvent
            {
                EventId = AuditEventIds.InstancesTransferred,
                Action = AuditAction.Read,
                ActorKind = AuditActorKind.Recipient,
                Actor = actor,
                ActorAddress = "127.0.0.1",
                ShipmentId = i + 1,
                PatientRef = [1, 2, (byte)i],
                Detail = new { index = i },
            }, CancellationToken.None);
        }
        await using var connection = await _db.Database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT max(id) FROM audit_events");
    }

    private async Task<long> CursorAsync()
    {
        await using var connection = await _db.Database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT coalesce((SELECT last_event_id FROM audit_export WHERE id = 1), -1)");
    }

    private static string Xml(ReceivedSyslog message) => message.Message.TrimStart('\ufeff');

    private static string Actor(ReceivedSyslog message) =>
        XDocument.Parse(Xml(message)).Root!.Element("ActiveParticipant")!.Attribute("UserID")!.Value;

    [Fact]
    public async Task Tls_delivers_each_event_once_in_order_across_an_outage_and_a_gateway_restart()
    {
        using var certificates = await TestCertificates.CreateAsync();
        var server = await certificates.IssueServerAsync();
        var client = await certificates.IssueClientAsync();
        await using var rsyslog = await RsyslogPeer.StartTlsAsync(certificates.CaFile, server);
        var options = new AuditRepositoryOptions
        {
            Enabled = true, Host = "127.0.0.1", Port = rsyslog.Port, Transport = AuditTransport.Tls,
            CaFile = certificates.CaFile, CertificateFile = client.CertificateFile, KeyFile = client.KeyFile,
        };
        await RecordAsync(2, "before-enabled");

        var exporter = Exporter(options);
        await exporter.StartAsync(CancellationToken.None);
        await Eventually.WaitAsync(async () => await CursorAsync() >= 0, "the export starts its cursor");
        (await CursorAsync()).Should().Be(2, "events from before the export was enabled are not sent");
        await RecordAsync(3, "up");
        await Eventually.WaitAsync(() => rsyslog.Received().Count == 3, "three events reach rsyslog", Delivery);

        await rsyslog.StopAsync();
        var last = await RecordAsync(4, "down");
        await Task.Delay(TimeSpan.FromSeconds(2));
        (await CursorAsync()).Should().Be(last - 4, "nothing counts as sent while the repository is down");
        await rsyslog.StartAsync();
        await Eventually.WaitAsync(() => rsyslog.Received().Count >= 7, "the queued events reach rsyslog", Delivery);

        await exporter.StopAsync(CancellationToken.None);
        exporter.Dispose();
        last = await RecordAsync(2, "stopped");
        var restarted = Exporter(options, _db.Reopen());
        await restarted.StartAsync(CancellationToken.None);
        await Eventually.WaitAsync(() => rsyslog.Received().Count >= 9, "events of the stopped time reach rsyslog", Delivery);
        await Eventually.WaitAsync(async () => await CursorAsync() == last, "the cursor reaches the end");
        await restarted.StopAsync(CancellationToken.None);
        restarted.Dispose();

        var received = rsyslog.Received();
        received.Select(Actor).Should().Equal("up", "up", "up", "down", "down", "down", "down", "stopped", "stopped");
        received.Should().OnlyContain(m => m.Priority == 85 && m.Version == "1" && m.AppName == "DicomGateway" && m.MsgId == "IHE+RFC-3881" && m.StructuredData == "-");
        received.Select(m => XDocument.Parse(Xml(m)).Root!.Elements("ParticipantObjectIdentification").Last().Attribute("ParticipantObjectID")!.Value)
            .Should().Equal("1", "2", "3", "1", "2", "3", "4", "1", "2");
        (await AuditSchema.ProblemsAsync([.. received.Select(Xml)])).Should().BeNull();
    }

    [Fact]
    public async Task Udp_delivers_one_message_per_datagram()
    {
        await using var rsyslog = await RsyslogPeer.StartUdpAsync();
        var exporter = Exporter(new AuditRepositoryOptions { Enabled = true, Host = "127.0.0.1", Port = rsyslog.Port, Transport = AuditTransport.Udp });
        await exporter.StartAsync(CancellationToken.None);
        await Eventually.WaitAsync(async () => await CursorAsync() >= 0, "the export starts its cursor");

        var last = await RecordAsync(3, "udp");
        await Eventually.WaitAsync(() => rsyslog.Received().Count == 3, "three datagrams reach rsyslog", Delivery);
        await Eventually.WaitAsync(async () => await CursorAsync() == last, "the cursor reaches the end");
        await exporter.StopAsync(CancellationToken.None);
        exporter.Dispose();

        var received = rsyslog.Received();
        received.Select(Actor).Should().Equal("udp", "udp", "udp");
        received.Should().OnlyContain(m => m.AppName == "DicomGateway" && m.MsgId == "IHE+RFC-3881");
        (await AuditSchema.ProblemsAsync([.. received.Select(Xml)])).Should().BeNull();
    }

    [Fact]
    public async Task A_repository_whose_certificate_the_ca_did_not_sign_receives_nothing_and_the_cursor_stays()
    {
        using var trusted = await TestCertificates.CreateAsync();
        using var other = await TestCertificates.CreateAsync();
        var server = await other.IssueServerAsync();
        await using var rsyslog = await RsyslogPeer.StartTlsAsync(other.CaFile, server);
        var exporter = Exporter(new AuditRepositoryOptions
        {
            Enabled = true, Host = "127.0.0.1", Port = rsyslog.Port, Transport = AuditTransport.Tls, CaFile = trusted.CaFile,
        });
        await exporter.StartAsync(CancellationToken.None);
        await Eventually.WaitAsync(async () => await CursorAsync() >= 0, "the export starts its cursor");
        var start = await CursorAsync();

        await RecordAsync(2, "refused");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await exporter.StopAsync(CancellationToken.None);
        exporter.Dispose();

        rsyslog.Received().Should().BeEmpty();
        (await CursorAsync()).Should().Be(start);
    }

    [Fact]
    public async Task A_disabled_export_starts_no_cursor()
    {
        var exporter = Exporter(new AuditRepositoryOptions { Enabled = false });
        await exporter.StartAsync(CancellationToken.None);
        await RecordAsync(1, "x");
        await exporter.StopAsync(CancellationToken.None);
        exporter.Dispose();

        (await CursorAsync()).Should().Be(-1);
    }
}
