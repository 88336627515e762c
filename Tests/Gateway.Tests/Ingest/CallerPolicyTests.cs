using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using DicomGateway.Administration;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Ingest;

/// <summary>
/// Authenticated callers, through the real executable and DCMTK's storescu: with Dicom:AcceptUnknownCallers false an
/// unknown AE title, and a registered one calling from outside its networks, get A-ASSOCIATE-RJ reason 3 and a
/// security alert in the audit trail; the administration API says whether anyone on the network can send.
/// </summary>
public sealed class CallerPolicyTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-callers-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Without_unknown_callers_a_stranger_and_a_registered_title_from_a_wrong_network_are_refused_and_audited()
    {
        await using var gw = await AdminGateway.StartAsync(new Dictionary<string, string> { ["Dicom__AcceptUnknownCallers"] = "false" });
        using var admin = await gw.SignInAsRoleAsync(AdminRoles.Administrator);
        var file = Instances.WriteCt(_dir.Path, 1);
        var port = gw.Process.Port.ToString(CultureInfo.InvariantCulture);
        Task<ToolResult> Store(string calling) =>
            ExternalTool.RunAsync("storescu", ["-v", "-to", "10", "-ta", "10", "-aet", calling, "-aec", "DICOMGATEWAY", "127.0.0.1", port, file], ExternalTool.LongTimeout);

        var policy = await admin.GetFromJsonAsync<JsonElement>("/api/nodes/caller-policy");
        policy.GetProperty("acceptUnknownCallers").GetBoolean().Should().BeFalse();
        policy.GetProperty("anyoneCanSend").GetBoolean().Should().BeFalse();

        var stranger = await Store("STRANGER");
        stranger.ExitCode.Should().NotBe(0);
        stranger.Output.Should().Contain("Association Rejected").And.Contain("Calling AE Title Not Recognized");
        stranger.Output.Should().Contain("Result: Rejected Permanent").And.Contain("Source: Service User");

        // The tests call from 127.0.0.1: a node allowed to send from 10.0.0.0/8 only is its name from a wrong address.
        using var created = await admin.PostAsJsonAsync("/api/nodes", new
        {
            name = "CT scanner", aeTitle = "CT1", host = "10.1.2.3", port = 104, allowedToSend = true, forwardDestination = false,
            callingAddresses = new[] { "10.0.0.0/8" },
        });
        created.StatusCode.Should().Be(HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var wrongNetwork = await Store("CT1");
        wrongNetwork.ExitCode.Should().NotBe(0);
        wrongNetwork.Output.Should().Contain("Calling AE Title Not Recognized");

        using var moved = await admin.PutAsJsonAsync($"/api/nodes/{id}", new
        {
            name = "CT scanner", aeTitle = "CT1", host = "10.1.2.3", port = 104, allowedToSend = true, forwardDestination = false,
            callingAddresses = new[] { "10.0.0.0/8", "127.0.0.1" },
        });
        moved.StatusCode.Should().Be(HttpStatusCode.NoContent);
        var allowed = await Store("CT1");
        allowed.ExitCode.Should().Be(0, allowed.Output);

        (await gw.Process.TerminateAsync()).Should().Be(0);
        await using var db = new SqliteConnection($"Data Source={gw.Process.DatabasePath};Mode=ReadOnly;Pooling=False");
        var alerts = (await db.QueryAsync<(string Actor, string? Address, string Detail)>(
            "SELECT actor, actor_address, detail FROM audit_events WHERE event_id = '110113' AND event_type = '110126' ORDER BY id")).ToList();
        alerts.Select(a => a.Actor).Should().Equal("STRANGER", "CT1");
        alerts.Should().OnlyContain(a => a.Detail.Contains("\"calling AE title not recognized\"", StringComparison.Ordinal)
            && a.Detail.Contains("\"calledAeTitle\":\"DICOMGATEWAY\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Out_of_the_box_anyone_can_send_and_the_console_is_told_so_until_a_node_is_allowed_to_send()
    {
        await using var gw = await AdminGateway.StartAsync();
        using var admin = await gw.SignInAsRoleAsync(AdminRoles.Administrator);
        var policy = await admin.GetFromJsonAsync<JsonElement>("/api/nodes/caller-policy");
        policy.GetProperty("acceptUnknownCallers").GetBoolean().Should().BeTrue();
        policy.GetProperty("anyoneCanSend").GetBoolean().Should().BeTrue();

        using var created = await admin.PostAsJsonAsync("/api/nodes", new
        {
            name = "CT scanner", aeTitle = "CT1", host = "127.0.0.1", port = 104, allowedToSend = true, forwardDestination = false,
        });
        created.StatusCode.Should().Be(HttpStatusCode.OK);
        policy = await admin.GetFromJsonAsync<JsonElement>("/api/nodes/caller-policy");
        policy.GetProperty("anyoneCanSend").GetBoolean().Should().BeFalse("a node allowed to send makes the registry an allow-list");
        policy.GetProperty("allowListInEffect").GetBoolean().Should().BeTrue();

        using var bad = await admin.PostAsJsonAsync("/api/nodes", new
        {
            name = "Bad", aeTitle = "MR2", host = "127.0.0.1", port = 104, callingAddresses = new[] { "10.0.0.1/8", "" }, transferSyntaxes = new[] { "jpeg" },
        });
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        errors.GetProperty("callingAddresses").GetArrayLength().Should().Be(2);
        errors.GetProperty("transferSyntaxes").GetArrayLength().Should().Be(1);
    }
}
