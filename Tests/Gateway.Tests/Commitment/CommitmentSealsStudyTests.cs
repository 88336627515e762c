using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Dapper;
using DicomKit.Data;
using DicomKit.Network;
using Gateway.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Gateway.Tests.Commitment;

/// <summary>
/// Storage commitment as the end of a study, against the real gateway executable with Shipments:StableStudySeconds =
/// 600: a requester (not a registered node, so sealing on commitment applies) that asks for commitment of every
/// instance of a study gets the study sealed within seconds; asking for only some of them leaves it receiving.
/// </summary>
public sealed class CommitmentSealsStudyTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new("gw-commit-seal-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Committing_every_instance_of_a_study_seals_it_at_once_and_committing_some_does_not()
    {
        await using var gw = await GatewayProcess.StartAsync(new Outboxes(_dir.Path).Environment(stableSeconds: 600));
        var files = Enumerable.Range(1, 3).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);
        var ct = DicomUids.CTImageStorage.Value;
        var sops = Enumerable.Range(1, 3).Select(i => new ReferencedSop(ct, $"{Instances.StudyUid}.1.{i}")).ToList();
        await using var db = new SqliteConnection($"Data Source={gw.DatabasePath};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();

        // Two of three instances: the study is not complete.
        (await CommitAsync(gw.Port, "2.25.501", sops.Take(2))).Committed.Should().HaveCount(2);
        await Task.Delay(TimeSpan.FromSeconds(3));
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM shipments")).Should().Be(0, "a commitment of part of a study does not end it");

        var clock = Stopwatch.StartNew();
        (await CommitAsync(gw.Port, "2.25.502", sops)).Committed.Should().HaveCount(3);
        (await Eventually.TrueAsync(async () => await db.ExecuteScalarAsync<long>("SELECT count(*) FROM shipments") > 0, Bound))
            .Should().BeTrue("a study whose every instance is committed is sealed without waiting for the stable time");
        clock.Stop();
        output.WriteLine($"N-ACTION to sealed shipment: {clock.Elapsed.TotalSeconds:F2} s (StableStudySeconds = 600)");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM studies WHERE wrapped_key IS NOT NULL")).Should().Be(0);
        gw.Output.Should().NotContain(Instances.StudyUid);
    }

    [Fact]
    public async Task A_node_with_seal_on_commitment_off_leaves_its_committed_study_to_the_stable_time()
    {
        await using var gateway = await AdminGateway.StartAsync(new Outboxes(_dir.Path).Environment(stableSeconds: 600));
        var gw = gateway.Process;
        using (var created = await (await gateway.AdminAsync()).PostAsJsonAsync("/api/nodes", new
        {
            name = "Modality", aeTitle = "MODALITY", host = "127.0.0.1", port = 104, allowedToSend = true, forwardDestination = false,
            sealOnCommitment = false,
        }))
            created.IsSuccessStatusCode.Should().BeTrue(await created.Content.ReadAsStringAsync());
        var files = Enumerable.Range(1, 2).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aet", "MODALITY", "-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files],
            ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);
        var sops = Enumerable.Range(1, 2).Select(i => new ReferencedSop(DicomUids.CTImageStorage.Value, $"{Instances.StudyUid}.1.{i}")).ToList();

        (await CommitAsync(gw.Port, "2.25.503", sops)).Committed.Should().HaveCount(2);
        await Task.Delay(TimeSpan.FromSeconds(3));

        await using var db = new SqliteConnection($"Data Source={gw.DatabasePath};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM shipments")).Should().Be(0, "the node opted out of sealing on commitment");
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM studies WHERE committed_at IS NOT NULL")).Should().Be(0);
    }

    private static async Task<StorageCommitmentResult> CommitAsync(int port, string transactionUid, IEnumerable<ReferencedSop> sops)
    {
        await using var association = await DicomClient.AssociateAsync(
            new DicomClientOptions { Port = port, CalledAeTitle = "DICOMGATEWAY", CallingAeTitle = "MODALITY", ResponseTimeout = Bound },
            [PresentationContextProposal.StorageCommitment]);
        var status = await association.RequestStorageCommitmentAsync(new StorageCommitmentRequest(transactionUid, [.. sops]));
        status.Should().Be(DimseStatus.Success);
        var report = await association.ReceiveStorageCommitmentReportAsync().WaitAsync(Bound);
        await association.ReleaseAsync();
        return report;
    }
}
