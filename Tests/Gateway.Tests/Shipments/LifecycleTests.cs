using System.Diagnostics.Metrics;
using DicomGateway.AddressBook;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Forwarding;
using DicomGateway.Nodes;
using DicomGateway.Notifications;
using DicomGateway.Shipments;
using DicomGateway.Studies;
using DicomGateway.Storage;
using Gateway.Tests.Notifications;
using Gateway.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Shipments;

/// <summary>
/// A shipment's life on a clock the test moves: expiry to the millisecond, keys erased before blobs, blobs kept while a
/// recipient session could still be reading, a clock set backwards, a sweep interrupted half-way, revocation, the
/// per-recipient wrong-code lock across a restart and its unlocking, the counting of anonymous attempts, and the download limit. Rows are seeded with SQL; the blobs are real files.
/// </summary>
public sealed class LifecycleTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Expiry = Start.AddDays(7);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(30);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ManualClock _clock = new(Start);
    private readonly TestDatabase _db = new();
    private readonly IOptions<ShipmentOptions> _options = Options.Create(new ShipmentOptions { MaxCodeAttempts = 3, SessionIdleTimeout = Grace });
    private readonly TestSecretProtector _protector = new();
    private readonly GatewayKeyring _keyring = new(RandomNumberGenerator.GetBytes(32));
    private readonly StoredRecipientSecrets _stored;
    private readonly List<RecipientSecrets> _secrets = [];
    private readonly BlobStore _blobs;
    private readonly StoragePaths _paths;
    private readonly ShipmentSweeper _sweeper;
    private readonly RecipientAccess _access;
    private readonly IMeterFactory _meters = TestMeters.NewFactory();
    private readonly MetricRecorder _metrics;
    private readonly ShipmentAdministration _administration;
    private AuditAggregator _aggregated = null!;

    public LifecycleTests()
    {
        _stored = new StoredRecipientSecrets(_keyring, NullLogger<StoredRecipientSecrets>.Instance);
        var dataDirectory = Path.GetDirectoryName(_db.Database.FilePath)!;
        var storage = Options.Create(new StorageOptions { DataDirectory = dataDirectory, FlushToDisk = false });
        _paths = new StoragePaths(storage, new TestHostEnvironment(dataDirectory));
        _blobs = new BlobStore(storage, _paths, NullLogger<BlobStore>.Instance);
        var audit = new AuditTrail(_db.Database, _clock);
        var outbox = Outbox(_db.Database);
        var studies = new StudyStore(_db.Database, _protector);
        var nodes = new NodeStore(_db.Database, [new ForwardNodeReferences()], audit, _clock, NullLogger<NodeStore>.Instance);
        var forwards = new ForwardQueue(_db.Database, studies, nodes, audit, _clock, NullLogger<ForwardQueue>.Instance);
        _sweeper = new ShipmentSweeper(_db.Database, studies, _blobs, audit, outbox, forwards, _options, _clock, NullLogger<ShipmentSweeper>.Instance);
        _metrics = new MetricRecorder(_meters);
        _access = Access(_db.Database);
        _administration = new ShipmentAdministration(_db.Database, audit, outbox, _clock, NullLogger<ShipmentAdministration>.Instance);
    }

    public void Dispose()
    {
        foreach (var s in _secrets) s.Dispose();
        _metrics.Dispose();
        _keyring.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task Expiry_ends_the_shipment_at_the_exact_millisecond_then_erases_keys_and_only_after_the_session_grace_the_blobs()
    {
        var seeded = await SeedAsync();

        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(0, 0, 0), "nothing is due on the day of sending");
        _clock.Now = Expiry.AddMilliseconds(-1);
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(0, 0, 0), "one millisecond before expiry the shipment still lives");
        (await ShipmentAsync(seeded.ShipmentId)).State.Should().Be("active");
        await KeysShouldBeIntactAsync(seeded);

        _clock.Now = Expiry;
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(Expired: 1, KeysErased: 1, StudiesErased: 0));
        var shipment = await ShipmentAsync(seeded.ShipmentId);
        shipment.State.Should().Be("expired");
        shipment.EndedAt.Should().Be(Expiry.ToUnixTimeMilliseconds());
        shipment.KeysErasedAt.Should().Be(Expiry.ToUnixTimeMilliseconds());
        await KeysShouldBeErasedAsync(seeded);
        seeded.Blobs.Should().OnlyContain(b => File.Exists(_blobs.PathOf(b)), "a recipient who unlocked just before expiry may still be downloading");
        (await StudyAsync(seeded.StudyId)).State.Should().Be("sealed");

        _clock.Now = Expiry + Grace - TimeSpan.FromMilliseconds(1);
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(0, 0, 0));
        seeded.Blobs.Should().OnlyContain(b => File.Exists(_blobs.PathOf(b)));

        _clock.Now = Expiry + Grace;
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(0, 0, StudiesErased: 1));
        seeded.Blobs.Should().NotContain(b => File.Exists(_blobs.PathOf(b)));
        var study = await StudyAsync(seeded.StudyId);
        study.State.Should().Be("erased");
        study.ManifestBlob.Should().BeNull();
        study.Instances.Should().Be(0);
        (await ShipmentAsync(seeded.ShipmentId)).State.Should().Be("erased");

        var audit = await AuditAsync();
        audit.Should().ContainSingle(a => a.EventId == AuditEventIds.Export && a.Detail.Contains("shipment expired") && a.ShipmentId == seeded.ShipmentId);
        audit.Should().ContainSingle(a => a.EventId == "110105" && a.Detail.Contains("key shares erased") && a.ShipmentId == seeded.ShipmentId);
        audit.Should().ContainSingle(a => a.EventId == "110105" && a.Detail.Contains("study erased") && a.StudyId == seeded.StudyId);
        var order = new[] { "shipment expired", "key shares erased", "study erased" }.Select(what => audit.FindIndex(a => a.Detail.Contains(what))).ToList();
        order.Should().BeInAscendingOrder("the shipment ends, then its keys go, then its blobs");
    }

    [Fact]
    public async Task A_clock_set_back_thirty_days_erases_nothing_early_and_the_shipment_still_opens()
    {
        var seeded = await SeedAsync();

        _clock.Now = Expiry.AddDays(-1);
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(0, 0, 0));
        _clock.Now -= TimeSpan.FromDays(30);
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(0, 0, 0));

        var shipment = await ShipmentAsync(seeded.ShipmentId);
        shipment.State.Should().Be("active");
        shipment.EndedAt.Should().BeNull();
        shipment.KeysErasedAt.Should().BeNull();
        await KeysShouldBeIntactAsync(seeded);
        seeded.Blobs.Should().OnlyContain(b => File.Exists(_blobs.PathOf(b)));
        (await _access.UnlockAsync(seeded.Recipient.Token, seeded.Proof, null, None)).Should().BeOfType<RecipientAccess.Unlocked>();
    }

    [Fact]
    public async Task A_sweep_interrupted_after_deleting_a_blob_is_finished_by_the_next_run()
    {
        var seeded = await SeedAsync();
        _clock.Now = Expiry;
        (await _sweeper.SweepAsync(None)).KeysErased.Should().Be(1);
        // The crash: the erasing run deleted one blob, then died before its transaction committed.
        File.Delete(_blobs.PathOf(seeded.Blobs[0]));
        (await StudyAsync(seeded.StudyId)).State.Should().Be("sealed");

        _clock.Now = Expiry + Grace;
        (await _sweeper.SweepAsync(None)).StudiesErased.Should().Be(1);

        seeded.Blobs.Should().NotContain(b => File.Exists(_blobs.PathOf(b)));
        _blobs.EnumerateIds().Should().BeEmpty();
        var study = await StudyAsync(seeded.StudyId);
        study.State.Should().Be("erased");
        study.Instances.Should().Be(0);
    }

    [Fact]
    public async Task A_shipment_ended_before_a_crash_has_its_keys_erased_by_the_next_run()
    {
        var seeded = await SeedAsync();
        // The crash: expiry committed, the key erasure of the same run never ran.
        await using (var c = await _db.Database.OpenAsync())
            await c.ExecuteAsync("UPDATE shipments SET state = 'expired', ended_at = @at WHERE id = @ShipmentId",
                new { at = Expiry.ToUnixTimeMilliseconds(), seeded.ShipmentId });
        _clock.Now = Expiry.AddMinutes(1);

        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(Expired: 0, KeysErased: 1, StudiesErased: 0));

        await KeysShouldBeErasedAsync(seeded);
        (await ShipmentAsync(seeded.ShipmentId)).EndedAt.Should().Be(Expiry.ToUnixTimeMilliseconds(), "the shipment ended when it expired, not when the keys went");
    }

    [Fact]
    public async Task A_revoked_shipment_no_longer_opens_and_the_next_sweep_erases_its_keys_with_the_administrator_in_the_audit()
    {
        var seeded = await SeedAsync();
        _clock.Now = Start.AddHours(2);

        (await _administration.RevokeAsync(seeded.ShipmentId, "admin.novak", "sent to the wrong clinic", None)).Should().BeTrue();

        var shipment = await ShipmentAsync(seeded.ShipmentId);
        shipment.State.Should().Be("revoked");
        shipment.RevokedAt.Should().Be(_clock.Now.ToUnixTimeMilliseconds());
        shipment.EndedAt.Should().Be(_clock.Now.ToUnixTimeMilliseconds());
        (await _access.UnlockAsync(seeded.Recipient.Token, seeded.Proof, null, None)).Should().Be(new RecipientAccess.Unavailable());
        (await _administration.RevokeAsync(seeded.ShipmentId, "admin.novak", null, None)).Should().BeFalse("it has already ended");
        (await _administration.RevokeAsync(seeded.ShipmentId + 1000, "admin.novak", null, None)).Should().BeFalse("there is no such shipment");

        _clock.Advance(TimeSpan.FromMinutes(1));
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(Expired: 0, KeysErased: 1, StudiesErased: 0));
        await KeysShouldBeErasedAsync(seeded);

        var revocation = (await AuditAsync()).Should().ContainSingle(a => a.Detail.Contains("shipment revoked")).Subject;
        revocation.Should().BeEquivalentTo(new
        {
            EventId = AuditEventIds.Export,
            Action = "D",
            ActorKind = "administrator",
            Actor = "admin.novak",
            ShipmentId = (long?)seeded.ShipmentId,
            StudyId = (long?)seeded.StudyId,
        });
        revocation.Detail.Should().Contain("sent to the wrong clinic").And.Contain(seeded.Reference);
    }

    [Fact]
    public async Task Three_wrong_codes_lock_that_recipient_only_and_the_lock_survives_a_restart()
    {
        var seeded = await SeedAsync();
        var wrong = RandomNumberGenerator.GetBytes(seeded.Proof.Length);

        (await _access.UnlockAsync(seeded.Recipient.Token, wrong, null, None)).Should().Be(new RecipientAccess.WrongCode(2));
        _clock.Advance(TimeSpan.FromMinutes(1));
        (await _access.UnlockAsync(seeded.Recipient.Token, wrong, null, None)).Should().Be(new RecipientAccess.WrongCode(1));
        _clock.Advance(TimeSpan.FromMinutes(1));
        (await _access.UnlockAsync(seeded.Recipient.Token, wrong, null, None)).Should().Be(new RecipientAccess.WrongCode(0));
        _clock.Advance(TimeSpan.FromMinutes(1));
        (await _access.UnlockAsync(seeded.Recipient.Token, seeded.Proof, null, None)).Should().Be(new RecipientAccess.Unavailable(), "the right code comes too late");
        _metrics.Sum("dicomgateway.unlock.attempts", "outcome", "wrong_code").Should().Be(3);
        _metrics.Sum("dicomgateway.unlock.attempts", "outcome", "locked").Should().Be(1);
        _metrics.Sum("dicomgateway.unlock.lockouts").Should().Be(1, "the third wrong code locks, the attempt after it does not lock again");

        var first = await RecipientLockAsync(seeded.ShipmentId, 0);
        first.FailedAttempts.Should().Be(3);
        first.LockedAt.Should().Be(Start.AddMinutes(2).ToUnixTimeMilliseconds());
        (await ShipmentAsync(seeded.ShipmentId)).State.Should().Be("active", "wrong codes lock a recipient, not the shipment");
        (await RecipientLockAsync(seeded.ShipmentId, 1)).LockedAt.Should().BeNull();

        var restarted = Access(_db.Reopen());
        (await restarted.UnlockAsync(seeded.Recipient.Token, seeded.Proof, null, None)).Should().Be(new RecipientAccess.Unavailable());
        (await restarted.UnlockAsync(seeded.Recipients[1].Token, ProofOf(seeded.Recipients[1]), null, None)).Should().BeOfType<RecipientAccess.Unlocked>(
            "the other recipient's link and code still open the shipment");
        _metrics.Sum("dicomgateway.unlock.attempts", "outcome", "success").Should().Be(1);
        (await restarted.UnlockAsync(RandomNumberGenerator.GetBytes(32), wrong, null, None)).Should().Be(new RecipientAccess.Unavailable());
        _metrics.Sum("dicomgateway.unlock.attempts", "outcome", "unavailable").Should().Be(1, "an unknown link");
    }

    [Fact]
    public async Task An_administrator_unlocks_a_locked_recipient_who_then_opens_with_the_right_code_and_the_unlock_is_audited()
    {
        var seeded = await SeedAsync();
        var wrong = RandomNumberGenerator.GetBytes(seeded.Proof.Length);
        for (var i = 0; i < 3; i++) await _access.UnlockAsync(seeded.Recipient.Token, wrong, null, None);
        (await _access.UnlockAsync(seeded.Recipient.Token, seeded.Proof, null, None)).Should().Be(new RecipientAccess.Unavailable());
        var recipientId = await RecipientIdAsync(seeded.ShipmentId, 0);

        (await _administration.UnlockRecipientAsync(seeded.ShipmentId, recipientId, "alice", "10.1.2.3", None)).Should().BeTrue();

        (await RecipientLockAsync(seeded.ShipmentId, 0)).Should().Be(new RecipientLock(0, null));
        (await _access.UnlockAsync(seeded.Recipient.Token, seeded.Proof, null, None)).Should().BeOfType<RecipientAccess.Unlocked>();
        (await AuditAsync()).Should().ContainSingle(e => e.Detail.Contains("recipient unlocked") && e.Actor == "alice" && e.ShipmentId == seeded.ShipmentId);
    }

    [Fact]
    public async Task Unlocking_a_recipient_of_another_shipment_or_none_changes_nothing()
    {
        var seeded = await SeedAsync();
        var recipientId = await RecipientIdAsync(seeded.ShipmentId, 0);
        var before = (await AuditAsync()).Count;

        (await _administration.UnlockRecipientAsync(seeded.ShipmentId + 1, recipientId, "alice", null, None)).Should().BeFalse("the recipient is not of that shipment");
        (await _administration.UnlockRecipientAsync(seeded.ShipmentId, 999_999, "alice", null, None)).Should().BeFalse("there is no such recipient");
        (await _administration.UnlockRecipientAsync(seeded.ShipmentId, -1, "alice", null, None)).Should().BeFalse();
        (await AuditAsync()).Should().HaveCount(before, "nothing happened, so nothing is audited");
    }

    [Fact]
    public async Task A_shipment_locked_by_wrong_codes_before_the_per_recipient_count_stays_closed_to_every_recipient()
    {
        var seeded = await SeedAsync();
        await using (var c = await _db.Database.OpenAsync())
            await c.ExecuteAsync("UPDATE shipments SET state = 'locked', locked_at = @at, failed_attempts = 5 WHERE id = @id",
                new { at = Start.ToUnixTimeMilliseconds(), id = seeded.ShipmentId });

        (await _access.UnlockAsync(seeded.Recipient.Token, seeded.Proof, null, None)).Should().Be(new RecipientAccess.Unavailable());
        (await _access.UnlockAsync(seeded.Recipients[1].Token, ProofOf(seeded.Recipients[1]), null, None)).Should().Be(new RecipientAccess.Unavailable());
    }

    [Fact]
    public async Task Attempts_with_unknown_links_and_on_a_locked_recipient_are_counted_in_one_audit_row_per_minute()
    {
        var seeded = await SeedAsync();
        var wrong = RandomNumberGenerator.GetBytes(seeded.Proof.Length);
        for (var i = 0; i < 3; i++) await _access.UnlockAsync(seeded.Recipient.Token, wrong, "10.0.0.1", None);
        var before = (await AuditAsync()).Count;

        for (var i = 0; i < 500; i++)
        {
            var address = $"10.0.{i % 7}.{i % 250}";
            (await _access.UnlockAsync(RandomNumberGenerator.GetBytes(32), wrong, address, None)).Should().Be(new RecipientAccess.Unavailable());
            (await _access.UnlockAsync(seeded.Recipient.Token, seeded.Proof, address, None)).Should().Be(new RecipientAccess.Unavailable());
        }
        (await AuditAsync()).Should().HaveCount(before, "nothing is written per request");

        await _aggregated.FlushAsync(all: false, None);
        (await AuditAsync()).Should().HaveCount(before, "the minute has not passed yet");
        _clock.Advance(TimeSpan.FromMinutes(1));
        await _aggregated.FlushAsync(all: false, None);

        var rows = (await AuditAsync()).Skip(before).ToList();
        rows.Should().HaveCount(2, "one row for the unknown links, one for the locked recipient");
        rows.Should().OnlyContain(r => r.Detail.Contains("\"count\":500") && r.Detail.Contains("\"aggregated\":true"));
        rows.Should().ContainSingle(r => r.Detail.Contains("unknown link") && r.ShipmentId == null);
        rows.Should().ContainSingle(r => r.Detail.Contains("recipient locked") && r.ShipmentId == seeded.ShipmentId);
        rows.Should().OnlyContain(r => System.Text.RegularExpressions.Regex.Matches(r.Detail, @"10\.0\.\d+\.\d+").Count <= AuditAggregator.MaxAddresses,
            "a few addresses are kept, not every one");
    }

    private static byte[] ProofOf(RecipientSecrets recipient) => ShipmentKeys.DeriveUnlockProof(recipient.FragmentKey, recipient.Code, recipient.Token);

    private sealed record RecipientLock(long FailedAttempts, long? LockedAt);

    private async Task<RecipientLock> RecipientLockAsync(long shipmentId, int index)
    {
        await using var c = await _db.Database.OpenAsync();
        var rows = await c.QueryAsync<(long, long?)>("SELECT failed_attempts, locked_at FROM recipients WHERE shipment_id = @shipmentId ORDER BY id", new { shipmentId });
        var (failed, lockedAt) = rows.ElementAt(index);
        return new RecipientLock(failed, lockedAt);
    }

    private async Task<long> RecipientIdAsync(long shipmentId, int index)
    {
        await using var c = await _db.Database.OpenAsync();
        return (await c.QueryAsync<long>("SELECT id FROM recipients WHERE shipment_id = @shipmentId ORDER BY id", new { shipmentId })).ElementAt(index);
    }

    [Fact]
    public async Task A_download_limit_of_two_allows_two_openings_then_the_shipment_is_exhausted_and_its_keys_erased()
    {
        var seeded = await SeedAsync(maxDownloads: 2);

        var first = (await _access.UnlockAsync(seeded.Recipient.Token, seeded.Proof, null, None)).Should().BeOfType<RecipientAccess.Unlocked>().Subject;
        ShipmentKeys.UnwrapDataKey(first.WrappedKey, seeded.Recipient.FragmentKey, seeded.Recipient.Code, seeded.Recipient.Token, first.ServerShare)
            .Should().Equal(seeded.DataKey, "the released share and wrapped key open the study");
        (await ShipmentAsync(seeded.ShipmentId)).State.Should().Be("active");

        _clock.Advance(TimeSpan.FromHours(1));
        (await _access.UnlockAsync(seeded.Recipient.Token, seeded.Proof, null, None)).Should().BeOfType<RecipientAccess.Unlocked>();
        var shipment = await ShipmentAsync(seeded.ShipmentId);
        shipment.State.Should().Be("exhausted");
        shipment.DownloadCount.Should().Be(2);
        shipment.EndedAt.Should().Be(_clock.Now.ToUnixTimeMilliseconds());

        (await _access.UnlockAsync(seeded.Recipient.Token, seeded.Proof, null, None)).Should().Be(new RecipientAccess.Unavailable());
        (await ShipmentAsync(seeded.ShipmentId)).DownloadCount.Should().Be(2);

        _clock.Advance(TimeSpan.FromMinutes(1));
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(Expired: 0, KeysErased: 1, StudiesErased: 0));
        await KeysShouldBeErasedAsync(seeded);
    }

    [Fact]
    public async Task At_expiry_a_failed_and_a_queued_forward_are_cancelled_and_audited_and_the_study_key_and_then_its_blobs_are_erased()
    {
        var seeded = await SeedAsync();
        var (failed, queued) = await KeepForForwardsAsync(seeded);

        _clock.Now = Expiry.AddMilliseconds(-1);
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(0, 0, 0));
        (await ForwardStatesAsync(seeded.StudyId)).Should().Equal("failed", "queued");
        (await StudyKeyAsync(seeded.StudyId)).Should().NotBeNull("the forward still needs the study before the shipment expires");

        _clock.Now = Expiry;
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(Expired: 1, KeysErased: 1, StudiesErased: 0, ForwardsCancelled: 2));
        (await ForwardStatesAsync(seeded.StudyId)).Should().Equal("cancelled", "cancelled");
        (await StudyKeyAsync(seeded.StudyId)).Should().BeNull("the gateway's readable copy ends with the shipment");
        var cancellations = (await AuditAsync()).Where(a => a.Detail.Contains("forward cancelled by the gateway")).ToList();
        cancellations.Should().HaveCount(2).And.OnlyContain(a => a.EventId == AuditEventIds.InstancesTransferred && a.ActorKind == "gateway"
            && a.StudyId == seeded.StudyId && a.Detail.Contains("shipments have expired"));
        cancellations[0].Detail.Should().Contain($"\"forwardId\":{failed}").And.Contain("\"previousState\":\"failed\"");
        cancellations[1].Detail.Should().Contain($"\"forwardId\":{queued}").And.Contain("\"previousState\":\"queued\"");

        _clock.Now = Expiry + Grace;
        (await _sweeper.SweepAsync(None)).StudiesErased.Should().Be(1);
        seeded.Blobs.Should().NotContain(b => File.Exists(_blobs.PathOf(b)));
        (await StudyAsync(seeded.StudyId)).State.Should().Be("erased");
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(0, 0, 0), "each step is done once");
    }

    [Fact]
    public async Task A_revoked_shipment_leaves_a_failed_forward_alone_until_its_expiry()
    {
        var seeded = await SeedAsync();
        await KeepForForwardsAsync(seeded);
        _clock.Now = Start.AddDays(1);
        (await _administration.RevokeAsync(seeded.ShipmentId, "admin.novak", null, None)).Should().BeTrue();

        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(Expired: 0, KeysErased: 1, StudiesErased: 0));
        _clock.Now = Expiry.AddMilliseconds(-1);
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(0, 0, 0));
        (await ForwardStatesAsync(seeded.StudyId)).Should().Equal("failed", "queued");
        (await StudyKeyAsync(seeded.StudyId)).Should().NotBeNull();

        _clock.Now = Expiry;
        (await _sweeper.SweepAsync(None)).ForwardsCancelled.Should().Be(2);
        (await StudyKeyAsync(seeded.StudyId)).Should().BeNull();
    }

    [Fact]
    public async Task A_study_that_was_only_forwarded_keeps_its_failed_forward_and_key()
    {
        var seeded = await SeedAsync();
        await KeepForForwardsAsync(seeded);
        await using (var c = await _db.Database.OpenAsync())
        {
            await c.ExecuteAsync("DELETE FROM recipients WHERE shipment_id = @ShipmentId", new { seeded.ShipmentId });
            await c.ExecuteAsync("DELETE FROM audit_events");
            await c.ExecuteAsync("DELETE FROM shipments WHERE id = @ShipmentId", new { seeded.ShipmentId });
        }

        _clock.Now = Expiry.AddDays(365);
        (await _sweeper.SweepAsync(None)).Should().Be(new ShipmentSweeper.Result(0, 0, 0));
        (await ForwardStatesAsync(seeded.StudyId)).Should().Equal("failed", "queued");
        (await StudyKeyAsync(seeded.StudyId)).Should().NotBeNull("custody of a forward-only study ends with its forwards, as an administrator decides");
    }

    [Fact]
    public async Task After_the_sweep_the_erased_key_bytes_are_in_neither_the_database_nor_its_log_even_with_a_reader_holding_a_snapshot_meanwhile()
    {
        var seeded = await SeedAsync();
        await KeepForForwardsAsync(seeded);
        var secrets = new List<byte[]>();
        await using (var c = await _db.Database.OpenAsync())
        {
            secrets.AddRange((await c.QueryAsync<byte[]>("SELECT server_share FROM recipients WHERE shipment_id = @ShipmentId", new { seeded.ShipmentId })));
            secrets.AddRange((await c.QueryAsync<byte[]>("SELECT wrapped_key FROM recipients WHERE shipment_id = @ShipmentId", new { seeded.ShipmentId })));
            secrets.Add(await c.ExecuteScalarAsync<byte[]>("SELECT wrapped_key FROM studies WHERE id = @StudyId", new { seeded.StudyId }) ?? []);
        }
        secrets.Should().HaveCount(5).And.OnlyContain(b => b != null && b.Length >= 32);
        var database = _db.Database.FilePath;
        var files = new[] { database, database + "-wal" };
        secrets.Should().OnlyContain(b => FilesContain(files, b), "the scan finds each secret before the sweep (it can fail)");

        _clock.Now = Expiry;
        Task<ShipmentSweeper.Result> sweep;
        await using (await ReadSnapshot.HoldAsync(database))
        {
            sweep = _sweeper.SweepAsync(None);
            await Task.Delay(TimeSpan.FromSeconds(1));
            sweep.IsCompleted.Should().BeFalse("the reader's snapshot keeps the checkpoint busy, and the sweep retries it");
        }
        (await sweep.WaitAsync(TimeSpan.FromSeconds(40))).Should().Be(new ShipmentSweeper.Result(Expired: 1, KeysErased: 1, StudiesErased: 0, ForwardsCancelled: 2));

        new FileInfo(database + "-wal").Length.Should().Be(0, "the log is checkpointed and truncated");
        foreach (var secret in secrets) FilesContain(files, secret).Should().BeFalse("an erased key's bytes are gone from the database and its log");
    }

    private static bool FilesContain(IEnumerable<string> files, byte[] needle) =>
        files.Where(File.Exists).Any(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0);

    /// <summary>The study keeps its key under the gateway key for a failed and a queued forward, as the sealer leaves it.</summary>
    private async Task<(long Failed, long Queued)> KeepForForwardsAsync(Seeded seeded)
    {
        var now = _clock.Now.ToUnixTimeMilliseconds();
        await using var c = await _db.Database.OpenAsync();
        await c.ExecuteAsync("UPDATE studies SET wrapped_key = @key WHERE id = @StudyId",
            new { key = _protector.Protect(CryptoPurposes.Protect.StudyDataKey, seeded.DataKey), seeded.StudyId });
        var node = await c.ExecuteScalarAsync<long>("""
            INSERT INTO nodes (name, ae_title, host, port, forward_destination, created_at, updated_at)
            VALUES ('Archive', 'ARCHIVE', '127.0.0.1', 104, 1, @now, @now) RETURNING id
            """, new { now });
        var failed = await c.ExecuteScalarAsync<long>("""
            INSERT INTO forwards (study_id, node_id, state, attempts, next_attempt_at, last_error, instance_count, created_at, updated_at, completed_at)
            VALUES (@StudyId, @node, 'failed', 20, @now, 'Cannot connect', 2, @now, @now, @now) RETURNING id
            """, new { seeded.StudyId, node, now });
        var queued = await c.ExecuteScalarAsync<long>("""
            INSERT INTO forwards (study_id, node_id, state, attempts, next_attempt_at, instance_count, created_at, updated_at)
            VALUES (@StudyId, @node, 'queued', 3, @later, 2, @now, @now) RETURNING id
            """, new { seeded.StudyId, node, now, later = now + 3_600_000 });
        return (failed, queued);
    }

    private async Task<List<string>> ForwardStatesAsync(long studyId)
    {
        await using var c = await _db.Database.OpenAsync();
        return (await c.QueryAsync<string>("SELECT state FROM forwards WHERE study_id = @studyId ORDER BY id", new { studyId })).ToList();
    }

    private async Task<byte[]?> StudyKeyAsync(long studyId)
    {
        await using var c = await _db.Database.OpenAsync();
        return await c.ExecuteScalarAsync<byte[]?>("SELECT wrapped_key FROM studies WHERE id = @studyId", new { studyId });
    }

    private RecipientAccess Access(GatewayDatabase database)
    {
        var audit = new AuditTrail(database, _clock);
        _aggregated = new AuditAggregator(audit, _clock, NullLogger<AuditAggregator>.Instance);
        var studies = new StudyStore(database, _protector);
        var metrics = new ShipmentMetrics(_meters, new ShipmentQueries(database, studies, Outbox(database)), _clock);
        return new(database, studies, audit, _aggregated, Outbox(database), _options, _clock, _stored, metrics, NullLogger<RecipientAccess>.Instance);
    }

    private NotificationOutbox Outbox(GatewayDatabase database)
    {
        var sms = Options.Create(new SmsOptions());
        return new NotificationOutbox(database, new ShipmentLookup(database), _protector, new DeliverySignal(), new PhoneNumberNormalizer(sms), sms, Options.Create(new MailOptions()),
            _paths, _clock,
            NullLogger<NotificationOutbox>.Instance);
    }

    private sealed record Seeded(long StudyId, long ShipmentId, string Reference, byte[] DataKey, IReadOnlyList<RecipientSecrets> Recipients, byte[] Proof,
        IReadOnlyList<string> Blobs)
    {
        public RecipientSecrets Recipient => Recipients[0];
    }

    /// <summary>A sealed study (two instance blobs and a manifest blob on disk), its shipment sent now, and two recipients.</summary>
    private async Task<Seeded> SeedAsync(int? maxDownloads = null)
    {
        var now = _clock.Now.ToUnixTimeMilliseconds();
        var manifest = BlobStore.NewId();
        var instanceBlobs = new[] { BlobStore.NewId(), BlobStore.NewId() };
        foreach (var blob in instanceBlobs.Append(manifest)) await File.WriteAllBytesAsync(_blobs.PathOf(blob), RandomNumberGenerator.GetBytes(256));
        var dataKey = ShipmentKeys.NewDataKey();
        const string reference = "K7M2-9QXD";

        await using var c = await _db.Database.OpenAsync();
        var studyId = await c.ExecuteScalarAsync<long>("""
            INSERT INTO studies (study_key, state, manifest_blob, calling_ae, called_ae, patient_ref, instance_count, total_bytes, first_received_at, last_received_at, sealed_at)
            VALUES (randomblob(32), 'sealed', @manifest, 'MODALITY', 'GATEWAY', randomblob(32), 2, 512, @now, @now, @now) RETURNING id
            """, new { manifest, now });
        for (var i = 0; i < instanceBlobs.Length; i++)
            await c.ExecuteAsync("""
                INSERT INTO instances (study_id, instance_key, content_hash, ordinal, blob, plaintext_length, ciphertext_length, calling_ae, received_at)
                VALUES (@studyId, randomblob(32), randomblob(32), @ordinal, @blob, 200, 256, 'MODALITY', @now)
                """, new { studyId, ordinal = i + 1, blob = instanceBlobs[i], now });
        var shipmentId = await c.ExecuteScalarAsync<long>("""
            INSERT INTO shipments (reference, study_id, state, created_at, expires_at, expiry_days, max_downloads, notify_email)
            VALUES (@reference, @studyId, 'active', @now, @expires, 7, @maxDownloads, 'sender@hospital.test') RETURNING id
            """, new { reference, studyId, now, expires = now + (long)TimeSpan.FromDays(7).TotalMilliseconds, maxDownloads });
        var recipients = new List<RecipientSecrets>();
        foreach (var email in new[] { "doctor@clinic.test", "second@clinic.test" })
        {
            var secrets = RecipientSecrets.Create(dataKey);
            _secrets.Add(secrets);
            recipients.Add(secrets);
            await c.ExecuteAsync("""
                INSERT INTO recipients (shipment_id, email, language, token_hash, proof_hash, server_share, wrapped_key, code, secrets_version)
                VALUES (@shipmentId, @email, 'cs', @TokenHash, @ProofHash, @ServerShare, @WrappedKey, @code, 1)
                """, new
            {
                shipmentId, email, secrets.TokenHash, ProofHash = _stored.Verifier(secrets), ServerShare = _stored.ProtectServerShare(secrets.ServerShare), secrets.WrappedKey,
                code = _protector.Protect(CryptoPurposes.Protect.SmsCode, Encoding.UTF8.GetBytes(secrets.Code)),
            });
        }
        var proof = ShipmentKeys.DeriveUnlockProof(recipients[0].FragmentKey, recipients[0].Code, recipients[0].Token);
        return new Seeded(studyId, shipmentId, reference, dataKey, recipients, proof, [.. instanceBlobs, manifest]);
    }

    private async Task KeysShouldBeIntactAsync(Seeded seeded)
    {
        var rows = await RecipientKeysAsync(seeded.ShipmentId);
        rows.Should().HaveCount(seeded.Recipients.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            _stored.ServerShare(rows[i].ServerShare).Should().Equal(seeded.Recipients[i].ServerShare);
            rows[i].WrappedKey.Should().Equal(seeded.Recipients[i].WrappedKey);
            rows[i].ProofHash.Should().Equal(_stored.Verifier(seeded.Recipients[i]));
            rows[i].Code.Should().NotBeNull();
        }
    }

    private async Task KeysShouldBeErasedAsync(Seeded seeded)
    {
        var rows = await RecipientKeysAsync(seeded.ShipmentId);
        rows.Should().HaveCount(seeded.Recipients.Count);
        rows.Should().OnlyContain(r => r.ServerShare == null && r.WrappedKey == null && r.ProofHash == null && r.Code == null,
            "every recipient's key share, wrapped key, proof hash and code is erased");
        (await ShipmentAsync(seeded.ShipmentId)).KeysErasedAt.Should().NotBeNull();
    }

    private sealed record RecipientKeys(byte[]? ServerShare, byte[]? WrappedKey, byte[]? ProofHash, byte[]? Code);

    private async Task<List<RecipientKeys>> RecipientKeysAsync(long shipmentId)
    {
        await using var c = await _db.Database.OpenAsync();
        return (await c.QueryAsync<(byte[]?, byte[]?, byte[]?, byte[]?)>(
                "SELECT server_share, wrapped_key, proof_hash, code FROM recipients WHERE shipment_id = @shipmentId ORDER BY id", new { shipmentId }))
            .Select(r => new RecipientKeys(r.Item1, r.Item2, r.Item3, r.Item4)).ToList();
    }

    private sealed class ShipmentRow
    {
        public string State { get; init; } = "";
        public long? EndedAt { get; init; }
        public long? KeysErasedAt { get; init; }
        public long? RevokedAt { get; init; }
        public long? LockedAt { get; init; }
        public long DownloadCount { get; init; }
    }

    private async Task<ShipmentRow> ShipmentAsync(long id)
    {
        await using var c = await _db.Database.OpenAsync();
        return await c.QuerySingleAsync<ShipmentRow>("""
            SELECT state AS State, ended_at AS EndedAt, keys_erased_at AS KeysErasedAt, revoked_at AS RevokedAt, locked_at AS LockedAt,
                   download_count AS DownloadCount
            FROM shipments WHERE id = @id
            """, new { id });
    }

    private sealed class StudyRow
    {
        public string State { get; init; } = "";
        public string? ManifestBlob { get; init; }
        public long Instances { get; init; }
    }

    private async Task<StudyRow> StudyAsync(long id)
    {
        await using var c = await _db.Database.OpenAsync();
        return await c.QuerySingleAsync<StudyRow>("""
            SELECT state AS State, manifest_blob AS ManifestBlob, (SELECT count(*) FROM instances WHERE study_id = @id) AS Instances
            FROM studies WHERE id = @id
            """, new { id });
    }

    private sealed class AuditRow
    {
        public string EventId { get; init; } = "";
        public string Action { get; init; } = "";
        public string ActorKind { get; init; } = "";
        public string Actor { get; init; } = "";
        public long? StudyId { get; init; }
        public long? ShipmentId { get; init; }
        public string Detail { get; init; } = "";
    }

    private async Task<List<AuditRow>> AuditAsync()
    {
        await using var c = await _db.Database.OpenAsync();
        return (await c.QueryAsync<AuditRow>("""
            SELECT event_id AS EventId, action AS Action, actor_kind AS ActorKind, actor AS Actor, study_id AS StudyId, shipment_id AS ShipmentId,
                   coalesce(detail, '') AS Detail
            FROM audit_events ORDER BY id
            """)).ToList();
    }
}
