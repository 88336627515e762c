using System.Diagnostics;
using DicomGateway.Hosting;
using DicomGateway.Ingest;

namespace Gateway.Tests.Metrics;

/// <summary>The database-backed gauges' cache: a scrape never waits for the database, and a failed read keeps the last value.</summary>
public sealed class CachedReadingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_scrape_returns_at_once_while_the_database_is_stuck_and_sees_the_value_once_read()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = 0;
        var cache = new CachedReading<string>(_ => { Interlocked.Increment(ref reads); return release.Task; }, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), clock);

        var watch = Stopwatch.StartNew();
        cache.Current().Should().BeNull("nothing has been read yet");
        cache.Current().Should().BeNull();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), "a scrape never waits for a read");
        await Eventually.PollAsync(() => Task.FromResult(Volatile.Read(ref reads)), r => r == 1, Bound, TimeSpan.FromMilliseconds(10));
        clock.Advance(TimeSpan.FromSeconds(6));
        cache.Current().Should().BeNull();
        Volatile.Read(ref reads).Should().Be(1, "one read at a time, even when the value is stale");

        release.SetResult("42");
        await cache.LastRead.WaitAsync(Bound);
        cache.Current().Should().Be("42");
    }

    [Fact]
    public async Task A_failed_read_keeps_the_last_value_and_a_later_read_replaces_it()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var answers = new Queue<Func<Task<string>>>([() => Task.FromResult("first"), () => throw new InvalidOperationException("database is locked"), () => Task.FromResult("third")]);
        var cache = new CachedReading<string>(_ => answers.Dequeue()(), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), clock);

        cache.Current();
        await cache.LastRead.WaitAsync(Bound);
        cache.Current().Should().Be("first");

        clock.Advance(TimeSpan.FromSeconds(5));
        cache.Current().Should().Be("first");
        await cache.LastRead.WaitAsync(Bound);
        cache.FailuresInARow.Should().Be(1);
        cache.Current().Should().Be("first", "a failed read keeps the last value");

        clock.Advance(TimeSpan.FromSeconds(5));
        cache.Current();
        await cache.LastRead.WaitAsync(Bound);
        cache.Current().Should().Be("third");
        cache.FailuresInARow.Should().Be(0);
    }

    [Fact]
    public async Task A_fresh_value_is_not_read_again()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var reads = 0;
        var cache = new CachedReading<string>(_ => Task.FromResult((++reads).ToString(System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), clock);
        cache.Current();
        await cache.LastRead.WaitAsync(Bound);
        clock.Advance(TimeSpan.FromSeconds(4));
        for (var i = 0; i < 10; i++) cache.Current().Should().Be("1");
        reads.Should().Be(1);
    }

    [Fact]
    public async Task A_read_that_hangs_is_cancelled_after_its_timeout_so_the_next_can_start()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var cache = new CachedReading<string>(async ct => { await Task.Delay(Timeout.Infinite, ct); return "never"; }, TimeSpan.Zero, TimeSpan.FromMilliseconds(50), TimeProvider.System);
        cache.Current();
        await cache.LastRead.WaitAsync(Bound);
        cache.FailuresInARow.Should().Be(1);
        cache.Current().Should().BeNull();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_read_timeout_that_is_not_positive_is_refused(int milliseconds)
    {
        var create = () => new CachedReading<string>(_ => Task.FromResult(""), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(milliseconds), TimeProvider.System);
        create.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Counts_become_one_measurement_per_label_value_with_zero_for_a_missing_one_and_none_before_the_first_read()
    {
        CachedReading.ByLabel(null, "state", ["pending", "failed"]).Should().BeEmpty();
        var measured = CachedReading.ByLabel(new Dictionary<string, long> { ["failed"] = 3, ["unexpected"] = 9 }, "state", ["pending", "failed"]).ToList();
        measured.Select(m => (m.Value, (string?)m.Tags[0].Value)).Should().Equal((0L, "pending"), (3L, "failed"));
        CachedReading.One(null, "held").Should().BeEmpty();
        CachedReading.One(new Dictionary<string, long> { ["held"] = 2 }, "held").Single().Value.Should().Be(2);
    }

    [Theory]
    [InlineData("MODALITY1", "MODALITY1")]
    [InlineData("STRANGER", IngestMetrics.OtherCaller)]
    [InlineData("", IngestMetrics.OtherCaller)]
    public void An_accepted_caller_is_labelled_by_its_title_only_when_it_is_a_registered_node(string caller, string expected) =>
        IngestMetrics.CallerLabel(caller, System.Net.IPAddress.Loopback, (title, _) => title == "MODALITY1").Should().Be(expected);
}
