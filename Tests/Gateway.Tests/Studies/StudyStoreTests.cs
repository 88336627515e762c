using System.Security.Cryptography;
using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Studies;
using Gateway.Tests.Support;

namespace Gateway.Tests.Studies;

/// <summary>
/// The study index's owner: a state change acts only from the state its caller read, a lent key is gone once the work
/// is done, and what the index holds is read back as it was written or refused.
/// </summary>
public sealed class StudyStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset At = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private readonly TestDatabase _db = new();
    private readonly TestSecretProtector _protector = new();
    private readonly StudyStore _studies;

    public StudyStoreTests() => _studies = new StudyStore(_db.Database, _protector);

    public void Dispose() => _db.Dispose();

    private async Task<(long Id, byte[] DataKey)> NewStudyAsync(StudyState state, string? blob = null)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        await using var connection = await _db.Database.OpenAsync();
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO studies (study_key, state, wrapped_key, calling_ae, called_ae, first_received_at, last_received_at)
            VALUES (randomblob(32), @state, @wrapped, 'CT1', 'GATEWAY', 1, 2) RETURNING id
            """, new { state = state.Name(), wrapped = _protector.Protect(CryptoPurposes.Protect.StudyDataKey, dataKey) });
        if (blob is not null)
        {
            await connection.ExecuteAsync("""
                INSERT INTO instances (study_id, instance_key, content_hash, ordinal, blob, plaintext_length, ciphertext_length, summary, calling_ae, received_at)
                VALUES (@id, randomblob(32), randomblob(32), 1, @blob, 10, 20, x'010203', 'CT1', 2)
                """, new { id, blob });
        }
        return (id, dataKey);
    }

    [Fact]
    public async Task A_state_change_from_a_state_the_study_has_left_changes_nothing()
    {
        var (id, _) = await NewStudyAsync(StudyState.Held);
        await using var connection = await _db.Database.OpenAsync();
        await using (var tx = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync())
        {
            (await _studies.SealAsync(connection, tx, id, StudyState.Receiving, keepKey: false, "manifest", At, None)).Should().BeFalse();
            (await _studies.HoldAsync(connection, tx, id, StudyState.Receiving, HoldReason.NoRule, None)).Should().BeFalse();
            (await _studies.DiscardAsync(connection, tx, id, StudyState.Receiving, At, None)).Should().BeFalse();
            (await _studies.ForgetKeyAsync(connection, tx, id, None)).Should().BeFalse("only a sealed study's key is forgotten by the forwarding queue");
            await tx.CommitAsync();
        }

        var study = await _studies.FindAsync(id, None);
        study!.State.Should().Be(StudyState.Held);
        study.IsReadable.Should().BeTrue();
    }

    [Fact]
    public async Task Sealing_deletes_the_summaries_and_the_key_unless_a_forward_still_needs_it()
    {
        var (forwarded, _) = await NewStudyAsync(StudyState.Receiving, blob: "blob-a");
        var (shipped, _) = await NewStudyAsync(StudyState.Held, blob: "blob-b");
        await using var connection = await _db.Database.OpenAsync();
        await using (var tx = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync())
        {
            (await _studies.SealAsync(connection, tx, forwarded, StudyState.Receiving, keepKey: true, null, At, None)).Should().BeTrue();
            (await _studies.SealAsync(connection, tx, shipped, StudyState.Held, keepKey: false, "manifest-b", At, None)).Should().BeTrue();
            await tx.CommitAsync();
        }

        (await _studies.FindAsync(forwarded, None))!.Should().Match<Study>(s => s.State == StudyState.Sealed && s.IsReadable);
        (await _studies.FindAsync(shipped, None))!.Should().Match<Study>(s => s.State == StudyState.Sealed && !s.IsReadable && s.ManifestBlob == "manifest-b");
        (await _studies.InstancesAsync(shipped, None)).Should().ContainSingle().Which.Summary.Should().BeNull();
        (await _studies.SealedBlobAsync(shipped, 0, None)).Should().Be("manifest-b");
        (await _studies.SealedBlobAsync(shipped, 1, None)).Should().Be("blob-b");
        (await _studies.SealedBlobAsync(shipped, 2, None)).Should().BeNull("there is no second instance");
        (await _studies.ListSealedWithoutKeyAsync(None)).Select(s => s.Id).Should().Equal(shipped);
    }

    [Fact]
    public async Task A_discarded_study_keeps_its_row_but_neither_its_key_nor_its_instances()
    {
        var (id, _) = await NewStudyAsync(StudyState.Held, blob: "blob-c");
        await using var connection = await _db.Database.OpenAsync();
        await using (var tx = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync())
        {
            (await _studies.DiscardAsync(connection, tx, id, StudyState.Held, At, None)).Should().BeTrue();
            await tx.CommitAsync();
        }

        var study = await _studies.FindAsync(id, None);
        study!.State.Should().Be(StudyState.Erased);
        study.IsReadable.Should().BeFalse();
        (await _studies.InstancesAsync(id, None)).Should().BeEmpty();
        var lend = () => _studies.LendKey(study);
        lend.Should().Throw<InvalidOperationException>().WithMessage("*no longer holds the key*");
    }

    [Fact]
    public async Task A_lent_key_is_the_study_key_and_is_zeroed_and_unreadable_once_disposed()
    {
        var (id, dataKey) = await NewStudyAsync(StudyState.Held);
        var study = await _studies.FindAsync(id, None);

        var lent = _studies.LendKey(study!);
        var bytes = lent.Bytes;
        bytes.Should().Equal(dataKey);
        lent.Dispose();

        bytes.Should().OnlyContain(b => b == 0, "the borrowed bytes are wiped, not just forgotten");
        var read = () => lent.Bytes;
        read.Should().Throw<ObjectDisposedException>();
        lent.Dispose(); // twice is harmless
    }

    [Fact]
    public async Task A_state_the_code_does_not_know_is_refused_rather_than_guessed()
    {
        var parse = () => StudyStates.Parse("archived");
        parse.Should().Throw<InvalidOperationException>().WithMessage("*archived*");
        Enum.GetValues<StudyState>().Select(s => StudyStates.Parse(s.Name())).Should().Equal(Enum.GetValues<StudyState>());

        // The schema's CHECK and the type agree: a state the type cannot name cannot be stored.
        await using var connection = await _db.Database.OpenAsync();
        var insert = () => connection.ExecuteAsync("""
            INSERT INTO studies (study_key, state, calling_ae, called_ae, first_received_at, last_received_at)
            VALUES (randomblob(32), 'archived', 'CT1', 'GATEWAY', 1, 1)
            """);
        await insert.Should().ThrowAsync<Microsoft.Data.Sqlite.SqliteException>();
    }

    [Fact]
    public async Task The_first_instance_is_the_lowest_ordinal_and_a_study_without_instances_has_none()
    {
        var (id, _) = await NewStudyAsync(StudyState.Receiving);
        var (empty, _) = await NewStudyAsync(StudyState.Receiving);
        await using (var connection = await _db.Database.OpenAsync())
        {
            // Written out of order: the ordinal decides, not the order of arrival in the index.
            foreach (var ordinal in new[] { 3, 2 })
            {
                await connection.ExecuteAsync("""
                    INSERT INTO instances (study_id, instance_key, content_hash, ordinal, blob, plaintext_length, ciphertext_length, calling_ae, received_at)
                    VALUES (@id, randomblob(32), randomblob(32), @ordinal, 'blob-' || @ordinal, 5, 6, 'CT1', 3)
                    """, new { id, ordinal });
            }
        }

        (await _studies.FirstInstanceAsync(id, None)).Should().Match<StoredInstance>(i => i.Ordinal == 2 && i.Blob == "blob-2" && i.Summary == null);
        (await _studies.FirstInstanceAsync(empty, None)).Should().BeNull();
    }

    [Fact]
    public async Task Studies_asked_for_by_many_ids_come_back_by_id_and_unknown_ids_are_left_out()
    {
        var (a, _) = await NewStudyAsync(StudyState.Receiving);
        var (b, _) = await NewStudyAsync(StudyState.Held);

        var found = await _studies.FindManyAsync([a, b, a, 999_999], None);

        found.Keys.Should().BeEquivalentTo([a, b]);
        (await _studies.FindManyAsync([], None)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_held_study_keeps_why_it_was_held_and_a_reason_the_code_does_not_know_is_refused()
    {
        var (id, _) = await NewStudyAsync(StudyState.Receiving);
        (await _studies.FindAsync(id, None))!.HoldReason.Should().BeNull("it was never held");
        await using var connection = await _db.Database.OpenAsync();
        await using (var tx = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync())
        {
            (await _studies.HoldAsync(connection, tx, id, StudyState.Receiving, HoldReason.SenderChanged, None)).Should().BeTrue();
            await tx.CommitAsync();
        }

        (await _studies.FindAsync(id, None))!.Should().Match<Study>(s => s.State == StudyState.Held && s.HoldReason == HoldReason.SenderChanged);
        Enum.GetValues<HoldReason>().Select(r => HoldReasons.Parse(r.Name())).Should().Equal(Enum.GetValues<HoldReason>().Cast<HoldReason?>());
        var parse = () => HoldReasons.Parse("curious");
        parse.Should().Throw<InvalidOperationException>().WithMessage("*curious*");
        var store = () => connection.ExecuteAsync("UPDATE studies SET hold_reason = 'curious' WHERE id = @id", new { id });
        await store.Should().ThrowAsync<Microsoft.Data.Sqlite.SqliteException>("the schema's CHECK and the type agree");
    }

    [Fact]
    public async Task A_follow_up_knows_its_first_generations_sender_and_every_sender_of_its_own_instances()
    {
        var studyKey = RandomNumberGenerator.GetBytes(32);
        await using var connection = await _db.Database.OpenAsync();
        async Task<long> GenerationAsync(int generation, string state, string callingAe, string? remoteHost) => await connection.ExecuteScalarAsync<long>("""
            INSERT INTO studies (study_key, generation, state, calling_ae, called_ae, remote_host, first_received_at, last_received_at)
            VALUES (@studyKey, @generation, @state, @callingAe, 'GATEWAY', @remoteHost, 1, 2) RETURNING id
            """, new { studyKey, generation, state, callingAe, remoteHost });
        async Task InstanceAsync(long studyId, int ordinal, string callingAe, string? remoteHost) => await connection.ExecuteAsync("""
            INSERT INTO instances (study_id, instance_key, content_hash, ordinal, blob, plaintext_length, ciphertext_length, calling_ae, remote_host, received_at)
            VALUES (@studyId, randomblob(32), randomblob(32), @ordinal, hex(randomblob(16)), 5, 6, @callingAe, @remoteHost, 3)
            """, new { studyId, ordinal, callingAe, remoteHost });
        var first = await GenerationAsync(0, StudyStates.Erased, "CT1", "10.0.0.5");
        await GenerationAsync(1, StudyStates.Sealed, "PACS", "10.0.0.9");
        var followUp = await GenerationAsync(2, StudyStates.Receiving, "CT1", "10.0.0.5");
        await InstanceAsync(followUp, 1, "CT1", "10.0.0.5");
        await InstanceAsync(followUp, 2, "CT1", null);
        await InstanceAsync(followUp, 3, "EVIL", "10.0.0.66");

        var original = await _studies.OriginalSenderAsync(connection, (await _studies.FindAsync(followUp, None))!, None);
        original.Should().Be(new StudySender("CT1", "10.0.0.5"), "the first generation's sender, not the latest's");
        (await _studies.OriginalSenderAsync(connection, (await _studies.FindAsync(first, None))!, None)).Should().BeNull("the first generation has none before it");
        (await _studies.SendersAsync(connection, followUp, None)).Should().BeEquivalentTo(
            [new StudySender("CT1", "10.0.0.5"), new StudySender("EVIL", "10.0.0.66")],
            "an instance indexed without its address counts as sent from the study's own address");
    }
}
