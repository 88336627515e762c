using DicomGateway.Storage;

namespace Gateway.Tests;

/// <summary>The directory fsync is shared by concurrent commits, and never returns before a sync that covers the caller.</summary>
public class DirectorySyncTests
{
    [Fact]
    public async Task Concurrent_commits_share_syncs_and_each_waits_for_one_that_started_after_its_request()
    {
        var syncs = 0;
        var started = new List<long>();
        long clock = 0;
        var gate = new object();
        var dirSync = new DirectorySync(() =>
        {
            lock (gate) started.Add(Interlocked.Increment(ref clock));
            Interlocked.Increment(ref syncs);
            Thread.Sleep(30);
        });

        // Sixteen associations committing at once, each on its own thread, released together.
        using var go = new ManualResetEventSlim();
        var callers = Enumerable.Range(0, 16).Select(_ => Task.Factory.StartNew(() =>
        {
            go.Wait();
            var requestedAt = Interlocked.Increment(ref clock);
            dirSync.SyncAsync(CancellationToken.None).GetAwaiter().GetResult();
            lock (gate) return started.Any(s => s > requestedAt);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();
        go.Set();
        var covered = await Task.WhenAll(callers);

        covered.Should().OnlyContain(c => c, "every caller returns only after a sync that began after its request");
        syncs.Should().BeLessThan(16, "concurrent callers share syncs");
    }
}
