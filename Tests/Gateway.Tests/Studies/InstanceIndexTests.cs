using System.Security.Cryptography;
using Dapper;
using DicomGateway.Studies;
using Gateway.Tests.Support;

namespace Gateway.Tests.Studies;

/// <summary>
/// The group commit of index rows: many associations adding at once all get an answer, each row once, and a failed
/// group leaves the index usable for the next.
/// </summary>
public sealed class InstanceIndexTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private async Task<long> NewStudyAsync()
    {
        await using var connection = await _db.Database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO studies (study_key, state, calling_ae, called_ae, first_received_at, last_received_at)
            VALUES (randomblob(32), 'receiving', 'CT1', 'GATEWAY', 1, 1) RETURNING id
            """);
    }

    private static InstanceIndex.Row Row(long studyId, int ordinal, byte[]? key = null) =>
        new(studyId, key ?? RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), ordinal, Guid.NewGuid().ToString("N"),
            PlaintextLength: 1000 + ordinal, CiphertextLength: 1100 + ordinal, Summary: [1, 2, 3], CallingAeTitle: "CT1", RemoteHost: "127.0.0.1", ReceivedAt: 1000 + ordinal);

    [Fact]
    public async Task Rows_added_at_once_from_many_threads_are_all_committed_and_a_repeated_key_is_refused_once()
    {
        var index = new InstanceIndex(_db.Database);
        var studyId = await NewStudyAsync();
        var rows = Enumerable.Range(1, 64).Select(i => Row(studyId, i)).ToList();
        var repeat = Row(studyId, 65, key: rows[10].InstanceKey);

        using var start = new ManualResetEventSlim();
        var adds = rows.Append(repeat).Select(r => Task.Run(async () => { start.Wait(); return await index.AddAsync(r, CancellationToken.None); })).ToList();
        start.Set();
        var results = await Task.WhenAll(adds).WaitAsync(Bound);

        results.Count(added => !added).Should().Be(1, "one of the two rows with the same instance key loses");
        await using var connection = await _db.Database.OpenAsync();
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM instances")).Should().Be(64);
        var study = await connection.QuerySingleAsync<(long Count, long Bytes, long Last)>(
            "SELECT instance_count, total_bytes, last_received_at FROM studies WHERE id = @studyId", new { studyId });
        var kept = rows.Select(r => r.PlaintextLength).Sum() + (results[^1] ? repeat.PlaintextLength - rows[10].PlaintextLength : 0);
        study.Should().Be((64L, kept, results[^1] ? 1065L : 1064L));
    }

    [Fact]
    public async Task A_group_that_fails_fails_its_callers_and_the_next_row_is_committed()
    {
        var index = new InstanceIndex(_db.Database);
        var studyId = await NewStudyAsync();

        // Ordinal 1 twice: the second violates UNIQUE (study_id, ordinal), which is not the tolerated key conflict.
        (await index.AddAsync(Row(studyId, 1), CancellationToken.None).WaitAsync(Bound)).Should().BeTrue();
        var failing = async () => await index.AddAsync(Row(studyId, 1), CancellationToken.None).WaitAsync(Bound);
        await failing.Should().ThrowAsync<Microsoft.Data.Sqlite.SqliteException>();

        (await index.AddAsync(Row(studyId, 2), CancellationToken.None).WaitAsync(Bound)).Should().BeTrue("a failed commit must not leave the index waiting for a writer");
        await using var connection = await _db.Database.OpenAsync();
        (await connection.ExecuteScalarAsync<long>("SELECT instance_count FROM studies WHERE id = @studyId", new { studyId })).Should().Be(2);
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_for_a_commit_in_progress_strands_nobody()
    {
        var index = new InstanceIndex(_db.Database);
        var studyId = await NewStudyAsync();

        // Another writer holds the database's write lock, so the first caller's commit waits inside SQLite.
        await using var blocker = await _db.Database.OpenAsync();
        await blocker.ExecuteAsync("BEGIN IMMEDIATE");
        // On a thread of its own: the leader commits on its caller's thread, which SQLite's busy wait blocks.
        var leader = Task.Factory.StartNew(() => index.AddAsync(Row(studyId, 1), CancellationToken.None).GetAwaiter().GetResult(),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.Delay(300);
        leader.IsCompleted.Should().BeFalse("its commit waits for the write lock");

        // A second caller joins the next group (AddAsync queues its row before it first waits), then gives up.
        using var giveUp = new CancellationTokenSource();
        var follower = index.AddAsync(Row(studyId, 2), giveUp.Token);
        follower.IsCompleted.Should().BeFalse("it waits for the commit in progress");
        await giveUp.CancelAsync();
        var waiting = async () => await follower.WaitAsync(Bound);
        await waiting.Should().ThrowAsync<OperationCanceledException>();

        await blocker.ExecuteAsync("ROLLBACK");
        (await leader.WaitAsync(Bound)).Should().BeTrue();
        var later = Enumerable.Range(3, 8).Select(i => Task.Run(() => index.AddAsync(Row(studyId, i), CancellationToken.None))).ToList();
        (await Task.WhenAll(later).WaitAsync(Bound)).Should().AllSatisfy(added => added.Should().BeTrue());

        // The row of the caller that gave up was written with the next group (never acknowledged, like any row
        // whose sender went away); the index is not left waiting for it.
        await using var connection = await _db.Database.OpenAsync();
        (await connection.QueryAsync<long>("SELECT ordinal FROM instances ORDER BY ordinal")).Should().Equal(Enumerable.Range(1, 10).Select(i => (long)i));
    }
}
