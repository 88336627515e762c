using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Shipments;

/// <summary>
/// Issue #14, "late instances are not a side door", through the real executable and DCMTK's storescu: an instance for
/// a study already sealed, sent under another calling AE title, is held for an administrator and audited as a security
/// alert, and creates no shipment and no delivery; one from the original sender goes through the routing rules as they
/// are now, not to the earlier recipients.
/// </summary>
public sealed class LateInstanceEndToEndTests : IDisposable
{
    private const string SealedStudy = "1.2.826.0.1.3680043.10.1234.81";
    private const string RoutedStudy = "1.2.826.0.1.3680043.10.1234.82";
    private const string PatientName = "Kovář^Jiří";
    private const string PatientId = "PAT-LATE-81";

    /// <summary>Sealing and notifying run in a real gateway process: its waits are long and its polls sparse.</summary>
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60), SlowPoll = TimeSpan.FromMilliseconds(200);

    private readonly TempDirectory _dir = new("dgw-late-e2e-");

    public void Dispose() => _dir.Dispose();

    private Outboxes Outboxes => new(Path.Combine(_dir.Path, "outbox"));

    private Dictionary<string, string> Environment() => new()
    {
        ["Shipments__StableStudySeconds"] = "1",
        ["Mail__OutboxDirectory"] = Outboxes.MailDirectory,
        ["Sms__OutboxDirectory"] = Outboxes.SmsDirectory,
        ["Notifications__PollInterval"] = "00:00:00.200",
    };

    [Fact]
    public async Task A_late_instance_from_another_AE_title_is_held_and_audited_not_shipped_and_one_from_the_original_sender_is_routed_by_the_rules()
    {
        await using var gateway = await AdminGateway.StartAsync(Environment());
        var admin = await gateway.AdminAsync();
        var toX = await CreateAsync(admin, "/api/rules", new
        {
            name = "CT1 to Dr. X", conditions = new object[] { new { kind = "callingAeTitle", op = "equals", value = "CT1" } },
            actions = new object[] { new { kind = "ship", recipients = new[] { new { email = "x@example.org", phone = "+420603000001", language = "en" } } } },
        });

        // Two studies from CT1, each sealed into one shipment to Dr. X.
        await SendAsync(gateway, "CT1", Write(SealedStudy, 1, 2));
        await SendAsync(gateway, "CT1", Write(RoutedStudy, 1, 2));
        await Eventually.WaitAsync(async () => await CountAsync(gateway, "SELECT count(*) FROM studies WHERE state = 'sealed'") == 2, "both studies to be sealed", Slow, SlowPoll);
        (await CountAsync(gateway, "SELECT count(*) FROM shipments")).Should().Be(2);
        var deliveriesBefore = await CountAsync(gateway, "SELECT count(*) FROM deliveries");

        // A third instance of the first study, from an AE title that never sent it: held with its reason, nothing shipped.
        await SendAsync(gateway, "INTRUDER", Write(SealedStudy, 3, 1));
        JsonArray held = [];
        await Eventually.WaitAsync(async () => (held = (await GetJsonAsync(admin, "/api/held")).AsArray()).Count == 1, "the late instance to be held", Slow, SlowPoll);
        var entry = held.Single()!;
        ((string?)entry["holdReason"]).Should().Be("sender-changed");
        ((string?)entry["callingAeTitle"]).Should().Be("INTRUDER");
        ((long)entry["generation"]!).Should().Be(1, "it is a follow-up of the sealed study");
        ((int)entry["instanceCount"]!).Should().Be(1);
        var heldId = (long)entry["studyId"]!;
        (await CountAsync(gateway, "SELECT count(*) FROM shipments")).Should().Be(2, "no shipment is made for the held follow-up");
        (await CountAsync(gateway, "SELECT count(*) FROM deliveries")).Should().Be(deliveriesBefore, "nobody is notified of it");
        (await CountAsync(gateway, "SELECT count(*) FROM shipments WHERE study_id = @heldId", new { heldId })).Should().Be(0);

        // The security alert: 110113 with event type 110126, the intruder as actor, the patient only as the keyed hash.
        var alert = (await GetJsonAsync(admin, "/api/audit?eventId=110113&pageSize=50"))["items"]!.AsArray()
            .Select(e => e!).Single(e => (long?)e["studyId"] == heldId);
        ((string?)alert["actor"]).Should().Be("INTRUDER");
        ((string?)alert["actorKind"]).Should().Be("node");
        ((string?)alert["actorAddress"]).Should().Be("127.0.0.1");
        var detail = alert["detail"]!.ToJsonString();
        detail.Should().Contain("CT1", "the original sender is named").And.Contain("INTRUDER");
        foreach (var secret in new[] { "Kov", "Ji\\u0159", PatientId, SealedStudy }) detail.Should().NotContain(secret, "the alert names no patient and no UID");
        using (var connection = Open(gateway))
        {
            var row = await connection.QuerySingleAsync<(string? EventType, byte[]? PatientRef)>(
                "SELECT event_type, patient_ref FROM audit_events WHERE event_id = '110113' AND study_id = @heldId", new { heldId });
            row.EventType.Should().Be("110126", "Node Authentication: the sender is not the one the study came from");
            var studyRef = await connection.ExecuteScalarAsync<byte[]>("SELECT patient_ref FROM studies WHERE id = @heldId", new { heldId });
            row.PatientRef.Should().Equal(studyRef);
        }

        // The first study's original sender, after the rules changed: the follow-up goes where the rules say now.
        (await admin.DeleteAsync($"/api/rules/{toX}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await CreateAsync(admin, "/api/rules", new
        {
            name = "CT1 to Dr. Z", conditions = new object[] { new { kind = "callingAeTitle", op = "equals", value = "CT1" } },
            actions = new object[] { new { kind = "ship", recipients = new[] { new { email = "z@example.org", phone = "+420603000003", language = "en" } } } },
        });
        await SendAsync(gateway, "CT1", Write(RoutedStudy, 3, 1));
        await Eventually.WaitAsync(async () => await CountAsync(gateway, "SELECT count(*) FROM shipments") == 3, "the follow-up to be shipped", Slow, SlowPoll);
        using (var connection = Open(gateway))
        {
            var recipients = (await connection.QueryAsync<string>(
                """
                SELECT r.email FROM recipients r JOIN shipments s ON s.id = r.shipment_id JOIN studies st ON st.id = s.study_id
                WHERE st.generation = 1
                """)).ToList();
            recipients.Should().Equal(["z@example.org"], "the rules decide, not the earlier generation's recipients");
            (await connection.ExecuteScalarAsync<string>("SELECT rule_name FROM shipments ORDER BY id DESC LIMIT 1")).Should().Be("CT1 to Dr. Z");
        }
        (await GetJsonAsync(admin, "/api/held")).AsArray().Select(h => (long)h!["studyId"]!).Should().Equal([heldId], "only the intruder's follow-up waits");
    }

    private List<string> Write(string studyUid, int first, int count)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_dir.Path, $"{studyUid[^2..]}-{first}")).FullName;
        return [.. Enumerable.Range(first, count).Select(i => Instances.Write(directory, i, studyUid: studyUid, patientName: PatientName, patientId: PatientId))];
    }

    private static async Task SendAsync(AdminGateway gateway, string callingAeTitle, IReadOnlyList<string> files)
    {
        var result = await ExternalTool.RunAsync("storescu",
            ["-aet", callingAeTitle, "-aec", "DICOMGATEWAY", "127.0.0.1", gateway.Process.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
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

    private static SqliteConnection Open(AdminGateway gateway)
    {
        var connection = new SqliteConnection($"Data Source={gateway.Process.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }

    private static async Task<long> CountAsync(AdminGateway gateway, string sql, object? parameters = null)
    {
        using var connection = Open(gateway);
        return await connection.ExecuteScalarAsync<long>(sql, parameters);
    }
}
