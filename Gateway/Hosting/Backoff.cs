namespace DicomGateway.Hosting;

/// <summary>
/// How long to wait before attempt n + 1 after n failed ones: the ceiling min(<see cref="Max"/>, <see cref="Base"/> × 2^(n-1)),
/// less a random share of it of at most <see cref="Jitter"/>. Work that failed together (a relay or a destination
/// was down) then comes back spread out rather than in one burst, and a failure that lasts is tried less and less often
/// without ever waiting longer than <see cref="Max"/>.
/// </summary>
/// <param name="Base">The wait after the first failure, before jitter.</param>
/// <param name="Max">No wait is longer than this.</param>
/// <param name="Jitter">
/// The largest share of the ceiling that chance takes off, from 0 to 1: 0 waits exactly the ceiling; 1 is "full jitter"
/// (any time from nothing up to the ceiling), which spreads retries the most; a small share keeps each wait longer than
/// the one before until the cap.
/// </param>
/// <remarks>
/// Only the delay is computed here, never a sleep: the callers keep the next attempt's time in a row or a table, so a
/// queued retry survives a restart and no thread waits for it.
/// </remarks>
public readonly record struct Backoff(TimeSpan Base, TimeSpan Max, double Jitter = 0)
{
    /// <summary>The wait after the <paramref name="attempt"/>-th failed attempt (1 for the first; lower counts as 1).</summary>
    /// <param name="random">The source of the jitter; <see cref="Random.Shared"/> when null. Not read when <see cref="Jitter"/> is 0.</param>
    public TimeSpan Delay(long attempt, Random? random = null)
    {
        // Beyond 2^62 every base reaches any cap; the clamp also keeps a huge attempt count from becoming infinity × 0.
        var exponent = Math.Clamp(attempt - 1, 0, 62);
        var ceiling = Math.Min(Max.Ticks, Base.Ticks * Math.Pow(2, exponent));
        var share = Math.Clamp(Jitter, 0, 1);
        var ticks = share == 0 ? ceiling : ceiling * (1 - share * (random ?? Random.Shared).NextDouble());
        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
    }
}
