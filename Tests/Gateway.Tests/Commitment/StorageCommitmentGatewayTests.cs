using System.Globalization;
using System.Net;
using System.Text;
using Dapper;
using DicomGateway.Commitment;
using DicomKit.Data;
using DicomKit.Network;
using Gateway.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Commitment;

/// <summary>
/// Storage commitment against the real gateway executable: instances stored by DCMTK's storescu are reported
/// committed, an unknown UID failed with 0x0112, on the requester's own association; the request is then deleted and
/// the report audited. The store keeps a request encrypted across a restart.
/// </summary>
public sealed class StorageCommitmentGatewayTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new("gw-commitment-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Stored_instances_are_reported_committed_and_an_unknown_one_failed_on_the_same_association()
    {
        await using var gw = await GatewayProcess.StartAsync();
        var files = Enumerable.Range(1, 3).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);
        var ct = DicomUids.CTImageStorage.Value;
        var stored = Enumerable.Range(1, 3).Select(i => new ReferencedSop(ct, $"{Instances.StudyUid}.1.{i}")).ToList();
        var unknown = new ReferencedSop(ct, "2.25.99887766554433");
        var notStorage = new ReferencedSop("1.2.840.10008.1.1", "2.25.1122");

        await using var association = await DicomClient.AssociateAsync(
            new DicomClientOptions { Port = gw.Port, CalledAeTitle = "DICOMGATEWAY", CallingAeTitle = "MODALITY", ResponseTimeout = Bound },
            [PresentationContextProposal.StorageCommitment]);
        var status = await association.RequestStorageCommitmentAsync(new StorageCommitmentRequest("2.25.4242", [.. stored, unknown, notStorage]));
        var report = await association.ReceiveStorageCommitmentReportAsync().WaitAsync(Bound);
        await association.ReleaseAsync();

        status.Should().Be(DimseStatus.Success);
        report.TransactionUid.Should().Be("2.25.4242");
        report.EventTypeId.Should().Be(StorageCommitmentUids.SomeFailedEventTypeId);
        report.Committed.Should().BeEquivalentTo(stored);
        report.Failed.Should().BeEquivalentTo([
            new FailedSop(ct, unknown.SopInstanceUid, CommitmentFailureReason.NoSuchObjectInstance),
            new FailedSop(notStorage.SopClassUid, notStorage.SopInstanceUid, CommitmentFailureReason.ReferencedSopClassNotSupported),
        ]);

        await using var db = new SqliteConnection($"Data Source={gw.DatabasePath};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        (await Eventually.TrueAsync(async () => await db.ExecuteScalarAsync<long>("SELECT count(*) FROM storage_commitments") == 0, Bound))
            .Should().BeTrue("a delivered report's request is deleted");
        var details = (await db.QueryAsync<string>("SELECT detail FROM audit_events WHERE event_id = '110104' AND detail LIKE '%storage commitment%'")).ToList();
        details.Should().ContainSingle().Which.Should().Contain("\"committed\":3").And.Contain("\"failed\":2").And.NotContain("2.25.");
        gw.Output.Should().NotContain(Instances.StudyUid).And.NotContain("2.25.4242");
    }

    [Fact]
    public async Task A_request_is_not_offered_to_the_delivery_worker_while_its_association_holds_it()
    {
        using var tdb = new TestDatabase();
        var protector = new TestSecretProtector();
        var store = new CommitmentStore(tdb.Database, protector, TimeProvider.System);
        var request = new StorageCommitmentRequest("2.25.778", [new ReferencedSop(DicomUids.CTImageStorage.Value, "2.25.987654321")]);
        var id = await store.AddAsync(new StorageCommitmentContext(1, "MODALITY", "DICOMGATEWAY", null), request, CancellationToken.None);

        // The worker reads between the write and the report on the association: nothing for it.
        (await store.PendingAsync(CancellationToken.None)).Should().BeEmpty("the row is written claimed by its live association");

        await store.ReleaseAsync(id, CancellationToken.None);
        (await store.PendingAsync(CancellationToken.None)).Should().ContainSingle().Which.Id.Should().Be(id);
    }

    [Fact]
    public async Task A_claim_of_a_process_that_ended_is_not_honoured()
    {
        using var tdb = new TestDatabase();
        var protector = new TestSecretProtector();
        var before = new CommitmentStore(tdb.Database, protector, TimeProvider.System);
        var id = await before.AddAsync(new StorageCommitmentContext(1, "MODALITY", "DICOMGATEWAY", null),
            new StorageCommitmentRequest("2.25.779", [new ReferencedSop(DicomUids.CTImageStorage.Value, "2.25.55")]), CancellationToken.None);

        var after = new CommitmentStore(tdb.Reopen(), protector, TimeProvider.System);
        (await after.PendingAsync(CancellationToken.None)).Should().ContainSingle().Which.Id.Should().Be(id);
    }

    [Fact]
    public async Task A_stored_request_survives_a_restart_and_is_kept_encrypted()
    {
        using var tdb = new TestDatabase();
        var protector = new TestSecretProtector();
        var store = new CommitmentStore(tdb.Database, protector, TimeProvider.System);
        var request = new StorageCommitmentRequest("2.25.777", [new ReferencedSop(DicomUids.CTImageStorage.Value, "2.25.123456789")]);
        var id = await store.AddAsync(new StorageCommitmentContext(1, "MODALITY", "DICOMGATEWAY", new IPEndPoint(IPAddress.Loopback, 1234)), request, CancellationToken.None);

        var restarted = new CommitmentStore(tdb.Reopen(), protector, TimeProvider.System);
        var pending = await restarted.PendingAsync(CancellationToken.None);

        pending.Should().ContainSingle();
        pending[0].Id.Should().Be(id);
        pending[0].CallingAeTitle.Should().Be("MODALITY");
        pending[0].RemoteHost.Should().Be("127.0.0.1");
        pending[0].Request.Should().BeEquivalentTo(request);
        await using (var connection = await tdb.Database.OpenAsync())
        {
            var raw = await connection.ExecuteScalarAsync<byte[]>("SELECT request FROM storage_commitments");
            Encoding.ASCII.GetString(raw!).Should().NotContain("2.25.123456789").And.NotContain("2.25.777");
        }
        await restarted.DeleteAsync(id, CancellationToken.None);
        (await restarted.PendingAsync(CancellationToken.None)).Should().BeEmpty();
    }
}
