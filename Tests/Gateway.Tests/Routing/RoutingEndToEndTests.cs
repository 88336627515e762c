using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using DicomKit.Data;
using DicomKit.IO;
using Gateway.Tests.Administration;
using Gateway.Tests.Forwarding;
using Gateway.Tests.Shipments;
using MimeKit;

namespace Gateway.Tests.Routing;

/// <summary>
/// Issue #7 end to end, through the real executable and real DCMTK peers, configured through the administration API
/// as an administrator would: two modalities send studies, one rule ships one study, another forwards the other to a
/// storescp and ships it too; a third study matches nothing and waits in the held inbox until an administrator
/// addresses it; a fourth is discarded by hand. Then the e-mails, the forwarded files and the audit trail are checked.
/// </summary>
public sealed class RoutingEndToEndTests : IDisposable
{
    private const string CtStudy = "1.2.826.0.1.3680043.10.1234.71";
    private const string MrStudy = "1.2.826.0.1.3680043.10.1234.72";
    private const string UsStudy = "1.2.826.0.1.3680043.10.1234.73";
    private const string XaStudy = "1.2.826.0.1.3680043.10.1234.74";
    private const string DxStudy = "1.2.826.0.1.3680043.10.1234.75";
    private const string QaStudy = "1.2.826.0.1.3680043.10.1234.76";

    /// <summary>Routing, forwarding and notifying run through a real gateway process: its waits are long and its polls sparse.</summary>
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60), SlowPoll = TimeSpan.FromMilliseconds(200);

    private readonly TempDirectory _dir = new("dgw-routing-e2e-");

    public void Dispose() => _dir.Dispose();

    private Outboxes Outboxes => new(Path.Combine(_dir.Path, "outbox"));

    private Dictionary<string, string> Environment() => new()
    {
        ["Shipments__StableStudySeconds"] = "1",
        ["Mail__OutboxDirectory"] = Outboxes.MailDirectory,
        ["Sms__OutboxDirectory"] = Outboxes.SmsDirectory,
        ["Notifications__PollInterval"] = "00:00:00.200",
        ["Forwarding__InitialRetrySeconds"] = "1",
        ["Forwarding__MaxRetrySeconds"] = "2",
        ["Forwarding__PollInterval"] = "00:00:00.200",
        ["Shipments__SweepInterval"] = "00:00:01",
    };

    [Fact]
    public async Task Two_modalities_are_routed_by_two_rules_one_shipped_one_forwarded_and_shipped_and_everything_is_in_the_audit_trail()
    {
        using var archive = await StorescpPeer.StartAsync(Path.Combine(_dir.Path, "archive"));
        await using var gateway = await AdminGateway.StartAsync(Environment());
        var admin = await gateway.AdminAsync();

        var nodeId = await CreateAsync(admin, "/api/nodes", new
        {
            name = "Departmental archive", aeTitle = StorescpPeer.AeTitle, host = "127.0.0.1", port = archive.Port, allowedToSend = false, forwardDestination = true,
        });
        await CreateAsync(admin, "/api/rules", new
        {
            name = "CT1 to Dr. X", order = 10, enabled = true, stopOnMatch = true, match = "all",
            conditions = new object[] { new { kind = "callingAeTitle", op = "equals", value = "CT1" } },
            actions = new object[] { new { kind = "ship", recipients = new[] { new { email = "x@example.org", phone = "+420603000001", language = "en" } }, expiryDays = 2 } },
        });
        await CreateAsync(admin, "/api/rules", new
        {
            name = "MR2 to the archive and Dr. Y", order = 20, enabled = true, stopOnMatch = true, match = "all",
            conditions = new object[] { new { kind = "callingAeTitle", op = "equals", value = "MR2" }, new { kind = "attribute", key = "Modality", op = "equals", value = "MR" } },
            actions = new object[]
            {
                new { kind = "forward", nodeId },
                new { kind = "ship", recipients = new[] { new { email = "y@example.org", phone = "+420603000002", language = "cs" } } },
            },
        });

        var ctFiles = Write(CtStudy, "CT", 4, "Novák^Jan", "PAT-CT");
        var mrFiles = Write(MrStudy, "MR", 5, "Svoboda^Petr", "PAT-MR");
        await SendAsync(gateway, "CT1", ctFiles);
        await SendAsync(gateway, "MR2", mrFiles);

        // E-mails: one to X for the CT study, one to Y for the MR study.
        var mails = await WaitForMailsAsync(2);
        mails.Select(m => m.To.Mailboxes.Single().Address).Should().BeEquivalentTo(["x@example.org", "y@example.org"]);

        // The forwarded files equal the sent ones.
        await Eventually.WaitAsync(() => archive.Files().Count == mrFiles.Count, "storescp to receive the MR study", Slow, SlowPoll);
        var sent = mrFiles.Select(f => DicomFile.Open(f)).ToDictionary(f => f.Dataset.GetString(Tags.SOPInstanceUID)!);
        foreach (var path in archive.Files())
        {
            var got = DicomFile.Open(path);
            var uid = got.Dataset.GetString(Tags.SOPInstanceUID)!;
            sent.Should().ContainKey(uid);
            DatasetComparer.Differences(sent[uid].Dataset, got.Dataset).Should().BeEmpty();
        }
        archive.Files().Should().NotContain(f => DicomFile.Open(f).Dataset.GetString(Tags.StudyInstanceUID) == CtStudy, "rule A does not forward");

        // The forward is done, and the shipments carry their rules' terms.
        await Eventually.WaitAsync(async () => (await GetJsonAsync(admin, "/api/forwards")).AsArray().Any(f => (string?)f!["state"] == "done"), "the forward to be done", Slow, SlowPoll);
        var shipments = (await GetJsonAsync(admin, "/api/shipments"))["items"]!.AsArray();
        shipments.Should().HaveCount(2);
        var toX = shipments.Single(s => (string?)s!["ruleName"] == "CT1 to Dr. X")!;
        (DateTimeOffset.Parse((string)toX["expiresAt"]!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)toX["createdAt"]!, CultureInfo.InvariantCulture))
            .Should().Be(TimeSpan.FromDays(2));
        var toY = shipments.Single(s => (string?)s!["ruleName"] == "MR2 to the archive and Dr. Y")!;
        (DateTimeOffset.Parse((string)toY["expiresAt"]!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)toY["createdAt"]!, CultureInfo.InvariantCulture))
            .Should().Be(TimeSpan.FromDays(7), "the default expiry");

        // The audit trail: both studies received from their modalities, both shipments sealed, the forward transferred,
        // and the administrator's configuration.
        var audit = (await GetJsonAsync(admin, "/api/audit?pageSize=500"))["items"]!.AsArray().Select(e => e!).ToList();
        audit.Should().Contain(e => (string?)e["eventId"] == "110104" && (string?)e["actorKind"] == "node" && (string?)e["actor"] == "CT1");
        audit.Should().Contain(e => (string?)e["eventId"] == "110104" && (string?)e["actorKind"] == "node" && (string?)e["actor"] == "MR2");
        audit.Count(e => (string?)e["eventId"] == "110106" && Detail(e).Contains("shipment sealed", StringComparison.Ordinal)).Should().Be(2);
        audit.Should().Contain(e => (string?)e["eventId"] == "110104" && (string?)e["actorKind"] == "gateway" && Detail(e).Contains(StorescpPeer.AeTitle, StringComparison.Ordinal),
            "the forward to the archive is a transfer");
        audit.Should().Contain(e => (string?)e["actorKind"] == "administrator" && Detail(e).Contains("MR2 to the archive", StringComparison.Ordinal), "rule changes are audited");

        // Once forwarded, the gateway keeps no key that could read the MR study.
        await Eventually.WaitAsync(() => StudyKeysLeft(gateway) == 0, "every gateway-wrapped study key to be gone", Slow, SlowPoll);
    }

    [Fact]
    public async Task A_study_no_rule_addresses_waits_in_the_held_inbox_until_an_administrator_addresses_it_or_discards_it()
    {
        await using var gateway = await AdminGateway.StartAsync(Environment());
        var admin = await gateway.AdminAsync();
        var contactId = await CreateAsync(admin, "/api/contacts", new
        {
            name = "Dr. Zelená", email = "zelena@example.org", phone = "+420603000003", language = "cs", dicomNames = new[] { "Zelena^Eva" },
        });
        await SendAsync(gateway, "US3", Write(UsStudy, "US", 3, "Malá^Anna", "PAT-US"));
        await SendAsync(gateway, "XA4", Write(XaStudy, "XA", 2, "Velký^Ivan", "PAT-XA"));

        JsonArray held = [];
        await Eventually.WaitAsync(async () => (held = (await GetJsonAsync(admin, "/api/held")).AsArray()).Count == 2, "both studies to be held", Slow, SlowPoll);
        var us = held.Single(h => (string?)h!["callingAeTitle"] == "US3")!;
        var xa = held.Single(h => (string?)h!["callingAeTitle"] == "XA4")!;
        var usId = (long)us["studyId"]!;
        var xaId = (long)xa["studyId"]!;

        // What the study is, for the administrator to decide; the look is audited.
        var details = await GetJsonAsync(admin, $"/api/held/{usId}");
        ((string?)details["patientName"]).Should().Be("Malá^Anna");
        details["modalities"]!.AsArray().Select(m => (string?)m).Should().Equal("US");
        ((int)details["instanceCount"]!).Should().Be(3);

        // An operator may look but not act; a bad addressing is refused with the field named.
        var operatorClient = await gateway.SignInAsRoleAsync("operator");
        (await operatorClient.PostAsJsonAsync($"/api/held/{usId}/discard", new { reason = "no" })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var bad = await admin.PostAsJsonAsync($"/api/held/{usId}/address", new { recipients = new[] { new { email = "not an address" } } });
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).Should().Contain("recipients[0].email");

        var addressed = await admin.PostAsJsonAsync($"/api/held/{usId}/address", new { recipients = new[] { new { contactId } }, expiryDays = 3 });
        addressed.StatusCode.Should().Be(HttpStatusCode.OK, await addressed.Content.ReadAsStringAsync());
        var mails = await WaitForMailsAsync(1);
        mails.Single().To.Mailboxes.Single().Address.Should().Be("zelena@example.org");

        (await admin.PostAsJsonAsync($"/api/held/{xaId}/discard", new { reason = "sent to the wrong AE title" })).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await GetJsonAsync(admin, "/api/held")).AsArray().Should().BeEmpty();
        (await admin.PostAsJsonAsync($"/api/held/{xaId}/discard", new { reason = "again" })).StatusCode.Should().Be(HttpStatusCode.NotFound);

        // A rule written afterwards: routing the held study again carries it out.
        await SendAsync(gateway, "DX5", Write(DxStudy, "DX", 2, "Nový^Jan", "PAT-DX"));
        await Eventually.WaitAsync(async () => (await GetJsonAsync(admin, "/api/held")).AsArray().Count == 1, "the DX study to be held", Slow, SlowPoll);
        var dxId = (long)(await GetJsonAsync(admin, "/api/held")).AsArray().Single()!["studyId"]!;
        await CreateAsync(admin, "/api/rules", new
        {
            name = "DX to Dr. Zelená", conditions = new object[] { new { kind = "callingAeTitle", op = "equals", value = "DX5" } },
            actions = new object[] { new { kind = "ship", recipients = new[] { new { contactId } } } },
        });
        var routed = await admin.PostAsync($"/api/held/{dxId}/route", null);
        (await routed.Content.ReadAsStringAsync()).Should().Contain("\"act\"");
        (await WaitForMailsAsync(2)).Should().HaveCount(2);

        // A rule that discards: the study is erased when it is sealed, audited with the rule's reason.
        await CreateAsync(admin, "/api/rules", new
        {
            name = "Phantoms go", conditions = new object[] { new { kind = "callingAeTitle", op = "equals", value = "QA9" } },
            actions = new object[] { new { kind = "discard", reason = "daily QA phantom" } },
        });
        await SendAsync(gateway, "QA9", Write(QaStudy, "OT", 2, "Phantom^QA", "QA"));
        await Eventually.WaitAsync(async () => (await GetJsonAsync(admin, "/api/audit?eventId=110105&pageSize=50"))["items"]!.AsArray()
            .Any(e => (string?)e!["actorKind"] == "gateway" && Detail(e!).Contains("daily QA phantom", StringComparison.Ordinal)), "the rule's discard to be audited", Slow, SlowPoll);
        (await GetJsonAsync(admin, "/api/held")).AsArray().Should().BeEmpty();

        var audit = (await GetJsonAsync(admin, "/api/audit?pageSize=500"))["items"]!.AsArray().Select(e => e!).ToList();
        audit.Should().Contain(e => (string?)e["eventId"] == "110103" && (string?)e["actorKind"] == "administrator", "showing a held study is an access");
        audit.Should().Contain(e => (string?)e["eventId"] == "110106" && (string?)e["actorKind"] == "administrator" && Detail(e).Contains("zelena@example.org", StringComparison.Ordinal));
        audit.Should().Contain(e => (string?)e["eventId"] == "110105" && (string?)e["actorKind"] == "administrator" && Detail(e).Contains("wrong AE title", StringComparison.Ordinal));
        await Eventually.WaitAsync(() => Directory.GetFiles(Path.Combine(gateway.Process.DataDirectory, "blobs")).Length == 3 + 1 + 2 + 1,
            "the discarded studies' blobs to be gone; the addressed ones keep their instances (3 and 2) and a manifest each", Slow, SlowPoll);
    }

    [Fact]
    public async Task A_forward_to_a_node_that_is_down_is_retried_across_a_gateway_restart_and_delivered_once_the_node_is_up()
    {
        var archiveDir = Path.Combine(_dir.Path, "archive");
        var port = LoopbackPort.Free();
        var environment = Environment();
        var mrFiles = Write(MrStudy, "MR", 3, "Svoboda^Petr", "PAT-MR");
        var dataDirectory = Path.Combine(_dir.Path, "data");
        await using (var gateway = await AdminGateway.StartAsync(environment, dataDirectory: dataDirectory))
        {
            var admin = await gateway.AdminAsync();
            var nodeId = await CreateAsync(admin, "/api/nodes", new { name = "Archive", aeTitle = StorescpPeer.AeTitle, host = "127.0.0.1", port, forwardDestination = true });
            await CreateAsync(admin, "/api/rules", new
            {
                name = "Everything to the archive", conditions = Array.Empty<object>(), actions = new object[] { new { kind = "forward", nodeId } },
            });
            await SendAsync(gateway, "MR2", mrFiles);
            JsonNode? forward = null;
            await Eventually.WaitAsync(async () => (forward = (await GetJsonAsync(admin, "/api/forwards")).AsArray().FirstOrDefault()) is not null && (long)forward!["attempts"]! >= 2,
                "two failed attempts", Slow, SlowPoll);
            ((string?)forward!["state"]).Should().BeOneOf(["queued", "sending"], "it waits for its next attempt, or is in one");
            ((string?)forward["lastError"]).Should().NotBeNullOrEmpty();
            await gateway.Process.KillAsync();
        }

        await using var restarted = await AdminGateway.StartAsync(environment, dataDirectory: dataDirectory);
        using var archive = await StorescpPeer.StartAsync(archiveDir, port);
        var client = await restarted.AdminAsync();
        await Eventually.WaitAsync(async () => (string?)(await GetJsonAsync(client, "/api/forwards")).AsArray().Single()!["state"] == "done", "the forward to be delivered", Slow, SlowPoll);
        archive.Files().Select(f => DicomFile.Open(f).Dataset.GetString(Tags.SOPInstanceUID)).Should()
            .BeEquivalentTo(mrFiles.Select(f => DicomFile.Open(f).Dataset.GetString(Tags.SOPInstanceUID)));
        await Eventually.WaitAsync(() => Directory.GetFiles(Path.Combine(dataDirectory, "blobs")).Length == 0, "a study only forwarded to be erased once delivered", Slow, SlowPoll);
    }

    private List<string> Write(string studyUid, string modality, int count, string patient, string patientId)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_dir.Path, modality + "-" + studyUid[^2..])).FullName;
        return [.. Enumerable.Range(1, count).Select(i => Instances.Write(directory, i, studyUid: studyUid, modality: modality, patientName: patient, patientId: patientId))];
    }

    private static async Task SendAsync(AdminGateway gateway, string callingAeTitle, IReadOnlyList<string> files)
    {
        var result = await ExternalTool.RunAsync("storescu", ["-aet", callingAeTitle, "-aec", "DICOMGATEWAY", "127.0.0.1", gateway.Process.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        result.ExitCode.Should().Be(0, result.Output);
    }

    private static async Task<long> CreateAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["id"]!.GetValue<long>();
    }

    private static async Task<JsonNode> GetJsonAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    private static string Detail(JsonNode e) => e["detail"]?.ToJsonString() ?? "";

    private async Task<List<MimeMessage>> WaitForMailsAsync(int count)
    {
        await Eventually.WaitAsync(() => Directory.Exists(Outboxes.MailDirectory) && Directory.GetFiles(Outboxes.MailDirectory, "*.eml").Length >= count, $"{count} e-mails", Slow, SlowPoll);
        var messages = new List<MimeMessage>();
        foreach (var f in Directory.GetFiles(Outboxes.MailDirectory, "*.eml")) messages.Add(await MimeMessage.LoadAsync(f));
        return messages;
    }

    private static long StudyKeysLeft(AdminGateway gateway)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={gateway.Process.DatabasePath};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM studies WHERE wrapped_key IS NOT NULL";
        return (long)command.ExecuteScalar()!;
    }

}
