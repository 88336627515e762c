using System.Diagnostics;
using Dapper;

namespace Gateway.Tests.Database;

/// <summary>The write-ahead log's checkpoint: its result is read, a reader makes it busy, and the retries are bounded.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_checkpoint_with_no_reader_is_done_and_leaves_an_empty_log()
    {
        await WriteAsync();

        (await _db.Database.CheckpointAsync()).Done.Should().BeTrue();
        new FileInfo(_db.Database.FilePath + "-wal").Length.Should().Be(0);
    }

    [Fact]
    public async Task A_reader_on_an_old_snapshot_makes_the_checkpoint_busy_and_the_retries_end_at_their_bound()
    {
        await WriteAsync();
        await using var reader = await ReaderAsync();
        await WriteAsync();

        (await _db.Database.CheckpointAsync()).Should().Match<DicomGateway.Database.WalCheckpoint>(c => c.Busy && !c.Done);
        var watch = Stopwatch.StartNew();
        (await _db.Database.CheckpointUntilDoneAsync(TimeSpan.FromMilliseconds(400), TimeProvider.System)).Should().BeFalse("the reader never lets go");
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(380)).And.BeLessThan(TimeSpan.FromSeconds(40));
    }

    [Fact]
    public async Task The_retries_finish_the_checkpoint_once_the_reader_lets_go()
    {
        await WriteAsync();
        var reader = await ReaderAsync();
        await WriteAsync();

        var checkpoint = _db.Database.CheckpointUntilDoneAsync(TimeSpan.FromSeconds(30), TimeProvider.System);
        await Task.Delay(300);
        checkpoint.IsCompleted.Should().BeFalse("the reader still holds its snapshot");
        await reader.DisposeAsync();

        (await checkpoint.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeTrue();
        new FileInfo(_db.Database.FilePath + "-wal").Length.Should().Be(0);
    }

    [Fact]
    public async Task A_cancelled_wait_stops_the_retries()
    {
        await WriteAsync();
        await using var reader = await ReaderAsync();
        await WriteAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var act = () => _db.Database.CheckpointUntilDoneAsync(TimeSpan.FromMinutes(5), TimeProvider.System, cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    private async Task WriteAsync()
    {
        await using var c = await _db.Database.OpenAsync();
        await c.ExecuteAsync("INSERT INTO settings (key, value) VALUES (@key, 'x') ON CONFLICT (key) DO UPDATE SET value = value || 'x'",
            new { key = "checkpoint-test" });
    }

    private Task<ReadSnapshot> ReaderAsync() => ReadSnapshot.HoldAsync(_db.Database.FilePath);
}
