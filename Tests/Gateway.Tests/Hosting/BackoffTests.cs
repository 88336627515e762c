using DicomGateway.Hosting;

namespace Gateway.Tests.Hosting;

public sealed class BackoffTests
{
    [Fact]
    public void Without_jitter_the_wait_doubles_from_the_base_up_to_the_cap()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(300));
        int[] seconds = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300];

        for (var attempt = 1; attempt <= seconds.Length; attempt++)
            backoff.Delay(attempt).Should().Be(TimeSpan.FromSeconds(seconds[attempt - 1]), $"attempt {attempt}");
    }

    [Fact]
    public void Without_jitter_no_random_number_is_drawn()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(300));

        backoff.Delay(3, new ThrowingRandom()).Should().Be(TimeSpan.FromSeconds(4));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    public void A_count_below_one_waits_as_the_first_failure_does(long attempt)
    {
        new Backoff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(900)).Delay(attempt).Should().Be(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(64L)]
    [InlineData(10_000L)]
    [InlineData(long.MaxValue)]
    public void A_huge_count_neither_overflows_nor_passes_the_cap(long attempt)
    {
        new Backoff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(900), Jitter: 0.2).Delay(attempt, new FixedRandom(0))
            .Should().Be(TimeSpan.FromSeconds(900));
        new Backoff(TimeSpan.FromTicks(1), TimeSpan.MaxValue).Delay(attempt).Should().BePositive();
    }

    [Fact]
    public void Jitter_takes_off_at_most_its_share_of_the_ceiling()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(900), Jitter: 0.2);

        backoff.Delay(2, new FixedRandom(0)).Should().Be(TimeSpan.FromSeconds(20));
        backoff.Delay(2, new FixedRandom(0.5)).Should().Be(TimeSpan.FromSeconds(18));
        backoff.Delay(2, new FixedRandom(0.999999)).Should().BeCloseTo(TimeSpan.FromSeconds(16), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public void Full_jitter_spreads_the_waits_over_the_whole_range_under_the_ceiling()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(10), Jitter: 1);
        var random = new Random(11);

        var delays = Enumerable.Range(0, 500).Select(_ => backoff.Delay(4, random)).ToList();

        delays.Should().OnlyContain(d => d >= TimeSpan.Zero && d <= TimeSpan.FromSeconds(16));
        delays.Min().Should().BeLessThan(TimeSpan.FromSeconds(2));
        delays.Max().Should().BeGreaterThan(TimeSpan.FromSeconds(14));
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }

    private sealed class ThrowingRandom : Random
    {
        public override double NextDouble() => throw new InvalidOperationException("no jitter, no random number");
    }
}
