using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using DicomKit.Data;
using Gateway.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Gateway.Tests.Commitment;

/// <summary>
/// Orthanc (Debian's package) as the storage commitment requester against the real gateway executable: it sends a
/// study, asks for commitment of its instances and of one it never sent, releases the association after the N-ACTION
/// and takes the report on a new association the gateway opens to its node registry entry. With
/// Shipments:StableStudySeconds = 600 the committed study is sealed within seconds.
/// </summary>
public sealed class OrthancCommitmentTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new("gw-orthanc-commit-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Orthanc_gets_its_instances_committed_an_unknown_one_failed_on_a_new_association_and_the_study_is_sealed_at_once()
    {
        var environment = new Outboxes(_dir.Path).Environment(stableSeconds: 600);
        environment["Dicom__StorageCommitment__PollInterval"] = "00:00:01";
        await using var gateway = await AdminGateway.StartAsync(environment);
        var gw = gateway.Process;
        await using var orthanc = await OrthancPeer.StartAsync(new JsonObject
        {
            ["DicomModalities"] = new JsonObject { ["gateway"] = new JsonObject { ["AET"] = "DICOMGATEWAY", ["Host"] = "127.0.0.1", ["Port"] = gw.Port } },
        });
        var admin = await gateway.AdminAsync();
        using (var created = await admin.PostAsJsonAsync("/api/nodes", new
        {
            name = "Orthanc", aeTitle = OrthancPeer.AeTitle, host = "127.0.0.1", port = orthanc.DicomPort, allowedToSend = true, forwardDestination = false,
        }))
            created.IsSuccessStatusCode.Should().BeTrue(await created.Content.ReadAsStringAsync());
        var ids = new List<string>();
        foreach (var file in Enumerable.Range(1, 3).Select(i => Instances.WriteCt(_dir.Path, i)))
            ids.Add(await orthanc.UploadAsync(file));
        var (status, body) = await orthanc.StoreToAsync("gateway", ids);
        status.Should().Be(200, body);

        var ct = DicomUids.CTImageStorage.Value;
        var stored = Enumerable.Range(1, 3).Select(i => (ct, $"{Instances.StudyUid}.1.{i}")).ToList();
        const string unknown = "2.25.31415926535";
        await using var db = new SqliteConnection($"Data Source={gw.DatabasePath};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM shipments")).Should().Be(0);

        var clock = Stopwatch.StartNew();
        var transaction = await orthanc.RequestStorageCommitmentAsync("gateway", [.. stored, (ct, unknown)]);
        JsonElement report = default;
        (await Eventually.TrueAsync(async () =>
        {
            report = await orthanc.StorageCommitmentReportAsync(transaction);
            return report.GetProperty("Status").GetString() != "Pending";
        }, Bound, TimeSpan.FromMilliseconds(200))).Should().BeTrue("the report reaches Orthanc:\n" + gw.Output);
        (await Eventually.TrueAsync(async () => await db.ExecuteScalarAsync<long>("SELECT count(*) FROM shipments") > 0, Bound))
            .Should().BeTrue("the committed study is sealed without waiting for the stable time");
        clock.Stop();
        output.WriteLine($"Orthanc N-ACTION to sealed shipment: {clock.Elapsed.TotalSeconds:F2} s (StableStudySeconds = 600)");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));

        output.WriteLine(report.ToString());
        report.GetProperty("Success").EnumerateArray().Select(e => e.GetProperty("SOPInstanceUID").GetString())
            .Should().BeEquivalentTo(stored.Select(s => s.Item2));
        report.GetProperty("Failures").EnumerateArray().Select(e => e.GetProperty("SOPInstanceUID").GetString())
            .Should().Equal(unknown);
        (await Eventually.TrueAsync(async () => await db.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM audit_events WHERE detail LIKE '%storage commitment reported%' AND detail LIKE '%new association%'") == 1, Bound))
            .Should().BeTrue("Orthanc releases the association after the N-ACTION and takes the report on a new one");
        gw.Output.Should().NotContain(Instances.StudyUid);
    }
    [Fact]
    public async Task A_report_owed_to_an_unreachable_requester_is_delivered_after_a_gateway_restart()
    {
        var environment = new Outboxes(_dir.Path).Environment(stableSeconds: 600);
        environment["Dicom__StorageCommitment__PollInterval"] = "00:00:01";
        environment["Dicom__StorageCommitment__RetryBase"] = "00:00:01";
        environment["Dicom__StorageCommitment__RetryMax"] = "00:00:02";
        environment["Dicom__StorageCommitment__MaxAttempts"] = "1000";
        var dataDirectory = _dir.Subdirectory("gateway-data");
        var port = LoopbackPort.Free();
        await using var orthanc = await OrthancPeer.StartAsync(new JsonObject
        {
            ["DicomModalities"] = new JsonObject { ["gateway"] = new JsonObject { ["AET"] = "DICOMGATEWAY", ["Host"] = "127.0.0.1", ["Port"] = port } },
        });
        object Node(int dicomPort) => new
        {
            name = "Orthanc", aeTitle = OrthancPeer.AeTitle, host = "127.0.0.1", port = dicomPort, allowedToSend = true, forwardDestination = false,
        };
        var ct = DicomUids.CTImageStorage.Value;
        var stored = Enumerable.Range(1, 2).Select(i => (ct, $"{Instances.StudyUid}.1.{i}")).ToList();
        string transaction;
        long nodeId;
        await using (var first = await AdminGateway.StartAsync(environment, dataDirectory: dataDirectory, port: port))
        {
            // The registry points at a port nobody listens on: the requester is unreachable.
            using var created = await (await first.AdminAsync()).PostAsJsonAsync("/api/nodes", Node(LoopbackPort.Free()));
            created.IsSuccessStatusCode.Should().BeTrue(await created.Content.ReadAsStringAsync());
            nodeId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
            var ids = new List<string>();
            foreach (var file in Enumerable.Range(1, 2).Select(i => Instances.WriteCt(_dir.Path, i)))
                ids.Add(await orthanc.UploadAsync(file));
            (await orthanc.StoreToAsync("gateway", ids)).Status.Should().Be(200);
            transaction = await orthanc.RequestStorageCommitmentAsync("gateway", stored);
            (await Eventually.TrueAsync(() => first.Process.Output.Contains("delivery attempt 1 on a new association failed", StringComparison.Ordinal), Bound))
                .Should().BeTrue(first.Process.Output);
        }
        (await orthanc.StorageCommitmentReportAsync(transaction)).GetProperty("Status").GetString().Should().Be("Pending");

        await using var second = await AdminGateway.StartAsync(environment, dataDirectory: dataDirectory, port: port);
        using (var moved = await (await second.AdminAsync()).PutAsJsonAsync($"/api/nodes/{nodeId}", Node(orthanc.DicomPort)))
            moved.IsSuccessStatusCode.Should().BeTrue(await moved.Content.ReadAsStringAsync());
        JsonElement report = default;
        (await Eventually.TrueAsync(async () =>
        {
            report = await orthanc.StorageCommitmentReportAsync(transaction);
            return report.GetProperty("Status").GetString() != "Pending";
        }, Bound, TimeSpan.FromMilliseconds(200))).Should().BeTrue("the restarted gateway still owes the report:\n" + second.Process.Output);
        report.GetProperty("Status").GetString().Should().Be("Success");
        report.GetProperty("Success").EnumerateArray().Select(e => e.GetProperty("SOPInstanceUID").GetString())
            .Should().BeEquivalentTo(stored.Select(s => s.Item2));
    }
}
