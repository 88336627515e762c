using Dapper;
using DicomGateway.Audit;
using DicomGateway.Forwarding;
using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Network;

namespace Gateway.Tests.Forwarding;

/// <summary>
/// The forwarding queue end to end in one process: encrypted studies seeded as ingest leaves them, the real service on
/// the real clock with short delays, and real destinations (DCMTK storescp, or DicomKit's listener when a test must
/// script the answers). Every wait is bounded.
/// </summary>
public sealed class ForwardingTests
{
    [Fact]
    public async Task A_queued_study_arrives_at_storescp_identical_and_the_gateway_then_forgets_its_key()
    {
        await using var gateway = new ForwardingHarness();
        using var destination = await StorescpPeer.StartAsync(Path.Combine(gateway.Scratch, "received"));
        var study = await gateway.SeedStudyAsync(3);
        var node = await gateway.AddNodeAsync(destination.Port, StorescpPeer.AeTitle);
        (await gateway.WrappedKeyAsync(study.StudyId)).Should().NotBeNull();
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed");

        row.State.Should().Be("done", row.LastError);
        row.InstancesSent.Should().Be(3);
        row.InstanceCount.Should().Be(3);
        row.Attempts.Should().Be(1);
        row.CompletedAt.Should().NotBeNull();
        ShouldHaveReceivedExactly(destination, study.SourceFiles);
        (await gateway.WrappedKeyAsync(study.StudyId)).Should().BeNull("nothing needs the study's key once its only forward is done");
        (await gateway.Queue.HasPendingAsync(study.StudyId)).Should().BeFalse();

        var transfer = (await gateway.AuditAsync()).Should().ContainSingle(a => a.EventId == AuditEventIds.InstancesTransferred).Subject;
        transfer.Should().BeEquivalentTo(new { Action = "R", Outcome = 0L, ActorKind = "gateway", StudyId = (long?)study.StudyId },
            o => o.ExcludingMissingMembers());
        transfer.PatientRef.Should().NotBeNull("the event names the study's patient by its keyed hash");
        transfer.Detail.Should().Contain(StorescpPeer.AeTitle).And.Contain("127.0.0.1").And.Contain("study forwarded")
            .And.Contain($"\"callingAeTitle\":\"{ForwardingHarness.GatewayAeTitle}\"", "a transfer names the called and the calling AE title and the host");
    }

    [Fact]
    public async Task A_destination_that_accepts_only_implicit_vr_gets_the_instances_converted()
    {
        await using var gateway = new ForwardingHarness();
        using var destination = await StorescpPeer.StartAsync(Path.Combine(gateway.Scratch, "received"), 0, "+xi");
        var study = await gateway.SeedStudyAsync(2, DicomTransferSyntax.ExplicitVRLittleEndian);
        var node = await gateway.AddNodeAsync(destination.Port, StorescpPeer.AeTitle);
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed");

        row.State.Should().Be("done", row.LastError);
        ShouldHaveReceivedExactly(destination, study.SourceFiles);
        destination.Files().Should().OnlyContain(f => DicomFile.Open(f, null).TransferSyntax.Uid == DicomTransferSyntax.ImplicitVRLittleEndian.Uid);
    }

    [Fact]
    public async Task While_the_destination_is_down_the_queue_retries_with_growing_delays_and_delivers_once_it_is_up()
    {
        await using var gateway = new ForwardingHarness();
        var port = LoopbackPort.Free();
        var study = await gateway.SeedStudyAsync(2);
        var node = await gateway.AddNodeAsync(port, StorescpPeer.AeTitle);
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var delays = new SortedDictionary<long, long>();
        await Eventually.WaitAsync(async () =>
        {
            var seen = await gateway.ForwardAsync(id);
            if (seen.State == "queued" && seen.Attempts > 0) delays[seen.Attempts] = seen.NextAttemptAt - seen.UpdatedAt;
            return delays.Count >= 4;
        }, "four failed attempts are seen (they take about three seconds)", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10));

        var failing = await gateway.ForwardAsync(id);
        failing.LastError.Should().Contain("Cannot connect to 127.0.0.1:" + port);
        delays.Keys.Should().Equal(1, 2, 3, 4);
        delays.Values.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems("each wait is longer than the one before");
        delays[1].Should().BeInRange(150, 200, "the first wait is InitialRetrySeconds less at most a fifth (and the few ms between two clock reads)");
        delays[4].Should().BeInRange(1270, 1600);

        using var destination = await StorescpPeer.StartAsync(Path.Combine(gateway.Scratch, "received"), port);
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed");

        row.State.Should().Be("done");
        row.Attempts.Should().BeGreaterThan(4);
        row.LastError.Should().BeNull();
        ShouldHaveReceivedExactly(destination, study.SourceFiles);
    }

    [Fact]
    public async Task A_forward_waiting_for_a_down_destination_survives_a_restart_and_is_delivered_when_it_comes_up()
    {
        await using var gateway = new ForwardingHarness();
        var port = LoopbackPort.Free();
        var study = await gateway.SeedStudyAsync(2);
        var node = await gateway.AddNodeAsync(port, StorescpPeer.AeTitle);
        await gateway.StartAsync();
        var id = await gateway.EnqueueAsync(study.StudyId, node);
        await gateway.WaitForAsync(id, r => r.State == "queued" && r.Attempts >= 2);

        await gateway.RestartAsync();
        using var destination = await StorescpPeer.StartAsync(Path.Combine(gateway.Scratch, "received"), port);
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed");

        row.State.Should().Be("done");
        row.Attempts.Should().BeGreaterThan(2, "the attempts before the restart are remembered");
        ShouldHaveReceivedExactly(destination, study.SourceFiles);
    }

    [Fact]
    public async Task Nothing_is_lost_when_the_gateway_stops_in_the_middle_of_a_forward()
    {
        await using var gateway = new ForwardingHarness();
        await using var destination = new ScriptedDestination { Delay = TimeSpan.FromMilliseconds(150) };
        await destination.StartAsync();
        var study = await gateway.SeedStudyAsync(12);
        var node = await gateway.AddNodeAsync(destination.Port, ScriptedDestination.AeTitle);
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        await gateway.WaitForAsync(id, r => r.State == "sending", 10);
        await Task.Delay(400);
        await gateway.StopAsync();
        var interrupted = await gateway.ForwardAsync(id);
        interrupted.State.Should().Be("queued", "a stop puts the forward back in the queue");
        destination.Received.Count.Should().BeInRange(1, 11, "the stop came in the middle of the study");
        interrupted.InstancesSent.Should().BeInRange(destination.Received.Count - 1, destination.Received.Count,
            "a stop records what was acknowledged (the instance in flight may have been stored without its answer arriving)");

        await gateway.RestartAsync();
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed");

        row.State.Should().Be("done");
        row.InstancesSent.Should().Be(12);
        destination.Received.Keys.Should().BeEquivalentTo(Enumerable.Range(1, 12).Select(n => $"{Instances.StudyUid}.1.{n}"));
        destination.Received.Values.Sum().Should().BeLessThanOrEqualTo(13, "the restart resumed; at most the instance in flight came twice");
        (await gateway.WrappedKeyAsync(study.StudyId)).Should().BeNull();
    }

    [Fact]
    public async Task A_forward_left_sending_by_a_crash_is_resumed_after_the_instances_already_acknowledged()
    {
        await using var gateway = new ForwardingHarness();
        await using var destination = new ScriptedDestination();
        await destination.StartAsync();
        var study = await gateway.SeedStudyAsync(3);
        var node = await gateway.AddNodeAsync(destination.Port, ScriptedDestination.AeTitle);
        var id = await gateway.EnqueueAsync(study.StudyId, node);
        // The crash: an attempt had two instances acknowledged and recorded, then the process died.
        await using (var connection = await gateway.Database.OpenAsync())
            await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE forwards SET state = 'sending', attempts = 1, instances_sent = 2 WHERE id = @id", new { id });

        await gateway.StartAsync();
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed");

        row.State.Should().Be("done");
        row.Attempts.Should().Be(2);
        destination.Received.Keys.Should().Equal($"{Instances.StudyUid}.1.3");
    }

    [Fact]
    public async Task After_max_attempts_the_forward_fails_with_its_last_error_and_an_audited_serious_failure()
    {
        await using var gateway = new ForwardingHarness(new ForwardingOptions
        {
            InitialRetrySeconds = 0.05, MaxRetrySeconds = 0.1, MaxAttempts = 3, PollInterval = TimeSpan.FromMilliseconds(20), ResponseTimeout = TimeSpan.FromSeconds(5),
        });
        var study = await gateway.SeedStudyAsync(1);
        var node = await gateway.AddNodeAsync(LoopbackPort.Free(), "NOBODY");
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed");

        row.State.Should().Be("failed");
        row.Attempts.Should().Be(3);
        row.LastError.Should().Contain("Cannot connect").And.Contain("gave up after 3 attempts");
        (await gateway.WrappedKeyAsync(study.StudyId)).Should().NotBeNull("a failed forward can still be retried");
        (await gateway.Queue.HasPendingAsync(study.StudyId)).Should().BeTrue();
        var failure = (await gateway.AuditAsync()).Should().ContainSingle(a => a.EventId == AuditEventIds.InstancesTransferred).Subject;
        failure.Outcome.Should().Be((long)AuditOutcome.SeriousFailure);
        failure.Detail.Should().Contain("forward failed").And.Contain("NOBODY");
    }

    [Fact]
    public async Task A_failure_status_is_retried_and_a_warning_status_counts_as_sent()
    {
        await using var gateway = new ForwardingHarness();
        await using var destination = new ScriptedDestination { Status = DimseStatus.OutOfResources };
        await destination.StartAsync();
        var study = await gateway.SeedStudyAsync(2);
        var node = await gateway.AddNodeAsync(destination.Port, ScriptedDestination.AeTitle);
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var refused = await gateway.WaitForAsync(id, r => r.State == "queued" && r.Attempts >= 1 && r.LastError is not null);
        refused.LastError.Should().Contain("refused instance 1 of 2").And.Contain("0xA700");
        refused.LastError.Should().NotContain(Instances.StudyUid, "no UID reaches the error text");

        destination.Status = DimseStatus.CoercionOfDataElements;
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed");
        row.State.Should().Be("done");
        destination.Received.Should().HaveCount(2);
    }

    [Fact]
    public async Task Cancel_stops_a_queued_forward_and_releases_the_key_and_retry_makes_a_failed_one_due_now()
    {
        await using var gateway = new ForwardingHarness(new ForwardingOptions
        {
            InitialRetrySeconds = 60, MaxRetrySeconds = 60, MaxAttempts = 1, PollInterval = TimeSpan.FromMilliseconds(20), ResponseTimeout = TimeSpan.FromSeconds(5),
        });
        var port = LoopbackPort.Free();
        var study = await gateway.SeedStudyAsync(1);
        var other = await gateway.SeedStudyAsync(1);
        var node = await gateway.AddNodeAsync(port, StorescpPeer.AeTitle);
        await gateway.StartAsync();
        var first = await gateway.EnqueueAsync(study.StudyId, node);
        var second = await gateway.EnqueueAsync(other.StudyId, node);
        (await gateway.WaitForAsync(first, r => r.State == "failed")).LastError.Should().Contain("Cannot connect");
        await gateway.WaitForAsync(second, r => r.State == "failed");

        (await gateway.Queue.CancelAsync(first, "admin.novak", CancellationToken.None)).Should().Be(ForwardChange.Done);
        (await gateway.ForwardAsync(first)).State.Should().Be("cancelled");
        (await gateway.WrappedKeyAsync(study.StudyId)).Should().BeNull("a cancelled forward needs the key no more");
        (await gateway.Queue.CancelAsync(first, "admin.novak", CancellationToken.None)).Should().Be(ForwardChange.Conflict);
        (await gateway.Queue.RetryAsync(first, "admin.novak", CancellationToken.None)).Should().Be(ForwardChange.Conflict);
        (await gateway.Queue.RetryAsync(999_999, "admin.novak", CancellationToken.None)).Should().Be(ForwardChange.NotFound);

        using var destination = await StorescpPeer.StartAsync(Path.Combine(gateway.Scratch, "received"), port);
        (await gateway.Queue.RetryAsync(second, "admin.novak", CancellationToken.None)).Should().Be(ForwardChange.Done);
        var row = await gateway.WaitForAsync(second, r => r.State is "done" or "failed", 15);
        row.State.Should().Be("done");
        ShouldHaveReceivedExactly(destination, other.SourceFiles);

        var audit = await gateway.AuditAsync();
        audit.Should().ContainSingle(a => a.Detail.Contains("forward cancelled by an administrator") && a.Actor == "admin.novak" && a.ActorKind == "administrator");
        audit.Should().ContainSingle(a => a.Detail.Contains("forward retried by an administrator") && a.Actor == "admin.novak");
        var listed = await gateway.Queue.ListAsync(null, CancellationToken.None);
        listed.Select(f => (f.Id, f.State)).Should().BeEquivalentTo([(second, "done"), (first, "cancelled")]);
        listed.Should().OnlyContain(f => f.AeTitle == StorescpPeer.AeTitle && f.Port == port && f.RuleName == "Forward rule");
        (await gateway.Queue.ListAsync("cancelled", CancellationToken.None)).Should().ContainSingle(f => f.Id == first);
    }

    [Fact]
    public async Task A_forward_failed_for_longer_than_the_retention_is_cancelled_by_the_gateway_and_its_study_key_erased()
    {
        await using var gateway = new ForwardingHarness(new ForwardingOptions
        {
            InitialRetrySeconds = 60, MaxRetrySeconds = 60, MaxAttempts = 1, PollInterval = TimeSpan.FromMilliseconds(20), ResponseTimeout = TimeSpan.FromSeconds(5),
        });
        var stale = await gateway.SeedStudyAsync(1);
        var recent = await gateway.SeedStudyAsync(1);
        var node = await gateway.AddNodeAsync(LoopbackPort.Free(), StorescpPeer.AeTitle);
        await gateway.StartAsync();
        var old = await gateway.EnqueueAsync(stale.StudyId, node);
        var young = await gateway.EnqueueAsync(recent.StudyId, node);
        await gateway.WaitForAsync(old, r => r.State == "failed");
        await gateway.WaitForAsync(young, r => r.State == "failed");
        var now = DateTimeOffset.UtcNow;
        await using (var c = await gateway.Database.OpenAsync())
            await c.ExecuteAsync("UPDATE forwards SET completed_at = @at WHERE id = @old", new { old, at = now.AddDays(-31).ToUnixTimeMilliseconds() });

        (await gateway.Queue.CancelFailedBeforeAsync(now.AddDays(-30), CancellationToken.None)).Should().Be(1);

        (await gateway.ForwardAsync(old)).State.Should().Be("cancelled");
        (await gateway.WrappedKeyAsync(stale.StudyId)).Should().BeNull("the study is no longer readable once its failed forward is given up");
        (await gateway.ForwardAsync(young)).State.Should().Be("failed", "it failed within the retention");
        (await gateway.WrappedKeyAsync(recent.StudyId)).Should().NotBeNull();
        var cancelled = (await gateway.AuditAsync()).Should().ContainSingle(a => a.Detail.Contains("forward cancelled by the gateway")).Subject;
        (cancelled.ActorKind, cancelled.StudyId).Should().Be(("gateway", (long?)stale.StudyId));
        cancelled.Detail.Should().Contain("Forwarding:FailedRetention").And.Contain("\"previousState\":\"failed\"");
        (await gateway.Queue.CancelFailedBeforeAsync(now.AddDays(-30), CancellationToken.None)).Should().Be(0, "a cancelled forward is not cancelled twice");
    }

    [Fact]
    public async Task A_study_whose_key_is_gone_fails_at_once_with_that_reason()
    {
        await using var gateway = new ForwardingHarness();
        var study = await gateway.SeedStudyAsync(1);
        var node = await gateway.AddNodeAsync(LoopbackPort.Free(), "NOKEY");
        await using (var connection = await gateway.Database.OpenAsync())
            await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE studies SET wrapped_key = NULL WHERE id = @StudyId", new { study.StudyId });
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed");

        row.State.Should().Be("failed");
        row.Attempts.Should().Be(1);
        row.LastError.Should().Contain("key is gone");
    }

    [Fact]
    public async Task A_forward_whose_node_is_gone_fails_at_once_with_that_reason()
    {
        await using var gateway = new ForwardingHarness();
        var study = await gateway.SeedStudyAsync(1);
        var node = await gateway.AddNodeAsync(LoopbackPort.Free(), "GONE");
        var id = await gateway.EnqueueAsync(study.StudyId, node);
        // What a deletion racing with the queue leaves behind (the node's id is set to NULL by the foreign key).
        await using (var connection = await gateway.Database.OpenAsync())
            await Dapper.SqlMapper.ExecuteAsync(connection, "DELETE FROM nodes WHERE id = @node", new { node });
        await gateway.StartAsync();

        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed");

        row.State.Should().Be("failed");
        row.LastError.Should().Be("The destination node was deleted");
        (await gateway.AuditAsync()).Should().ContainSingle(a => a.EventId == AuditEventIds.InstancesTransferred && a.Outcome == (long)AuditOutcome.SeriousFailure);
    }

    [Fact]
    public async Task A_node_cannot_be_deleted_while_a_forward_to_it_is_pending()
    {
        await using var gateway = new ForwardingHarness();
        var study = await gateway.SeedStudyAsync(1);
        var node = await gateway.AddNodeAsync(LoopbackPort.Free(), "BUSY");
        var id = await gateway.EnqueueAsync(study.StudyId, node);

        var delete = () => gateway.Nodes.DeleteAsync(node, "admin.novak", CancellationToken.None);
        (await delete.Should().ThrowAsync<DicomGateway.Nodes.NodeInUseException>()).Which.Message.Should().Contain("queued, sending or failed");

        (await gateway.Queue.CancelAsync(id, "admin.novak", CancellationToken.None)).Should().Be(ForwardChange.Done);
        (await gateway.Nodes.DeleteAsync(node, "admin.novak", CancellationToken.None)).Should().BeTrue();
        (await gateway.Queue.ListAsync(null, CancellationToken.None)).Should().ContainSingle(f => f.Id == id && f.NodeId == null && f.State == "cancelled");
    }

    [Fact]
    public async Task The_study_key_is_kept_until_the_last_of_its_forwards_ends()
    {
        await using var gateway = new ForwardingHarness(new ForwardingOptions
        {
            InitialRetrySeconds = 60, MaxRetrySeconds = 60, MaxAttempts = 5, PollInterval = TimeSpan.FromMilliseconds(20), ResponseTimeout = TimeSpan.FromSeconds(5),
        });
        using var up = await StorescpPeer.StartAsync(Path.Combine(gateway.Scratch, "received"));
        var study = await gateway.SeedStudyAsync(2);
        var reachable = await gateway.AddNodeAsync(up.Port, StorescpPeer.AeTitle, "Archive");
        var down = await gateway.AddNodeAsync(LoopbackPort.Free(), "DOWN", "Down");
        await gateway.StartAsync();

        var delivered = await gateway.EnqueueAsync(study.StudyId, reachable);
        var waiting = await gateway.EnqueueAsync(study.StudyId, down);
        (await gateway.WaitForAsync(delivered, r => r.State is "done" or "failed")).State.Should().Be("done");
        await gateway.WaitForAsync(waiting, r => r.State == "queued" && r.Attempts == 1);

        (await gateway.WrappedKeyAsync(study.StudyId)).Should().NotBeNull("the second forward still needs to read the study");
        (await gateway.Queue.HasPendingAsync(study.StudyId)).Should().BeTrue();

        (await gateway.Queue.CancelAsync(waiting, "admin.novak", CancellationToken.None)).Should().Be(ForwardChange.Done);
        (await gateway.WrappedKeyAsync(study.StudyId)).Should().BeNull();
        (await gateway.Queue.HasPendingAsync(study.StudyId)).Should().BeFalse();
    }

    [Fact]
    public async Task A_forwarded_study_that_is_not_sealed_keeps_its_key_for_what_comes_next()
    {
        await using var gateway = new ForwardingHarness();
        await using var destination = new ScriptedDestination();
        await destination.StartAsync();
        var study = await gateway.SeedStudyAsync(1, state: "held");
        var node = await gateway.AddNodeAsync(destination.Port, ScriptedDestination.AeTitle);
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);

        (await gateway.WaitForAsync(id, r => r.State is "done" or "failed")).State.Should().Be("done");
        (await gateway.WrappedKeyAsync(study.StudyId)).Should().NotBeNull("a held study is still the administrator's to route");
    }

    /// <summary>storescp wrote one file per source file, and each data set equals its source's.</summary>
    private static void ShouldHaveReceivedExactly(StorescpPeer destination, IReadOnlyList<string> sources)
    {
        var received = destination.Files().Select(f => DicomFile.Open(f, null)).ToDictionary(f => f.Dataset.GetString(Tags.SOPInstanceUID)!, StringComparer.Ordinal);
        received.Should().HaveCount(sources.Count);
        foreach (var source in sources.Select(s => DicomFile.Open(s, null)))
        {
            var uid = source.Dataset.GetString(Tags.SOPInstanceUID)!;
            received.Should().ContainKey(uid);
            DatasetComparer.Differences(source.Dataset, received[uid].Dataset).Should().BeEmpty();
        }
    }
}
