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
}
