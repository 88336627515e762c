using DicomGateway.Hosting;

namespace DicomGateway.Notifications;

/// <summary>
/// Exponential backoff with full jitter: attempt n waits a uniformly random time in [0, min(cap, base * 2^(n-1))]
/// ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015). Spreads the retries of many deliveries that
/// failed together (the relay was down) instead of sending them back in one burst.
/// </summary>
/// <remarks>
/// Polly.Core was considered: its delay computation (RetryHelper) is internal, and its public
/// RetryStrategyOptions drive an in-memory loop that sleeps between attempts. Here the next attempt time is a
/// column, so that a queued retry survives a restart and the dispatcher is free meanwhile; all that is needed is
/// the delay for attempt n, which <see cref="Backoff"/> gives. (Polly's exponential jitter is also decorrelated, carrying
/// state from one attempt to the next that we would have to persist.)
/// </remarks>
internal static class RetryBackoff
{
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, Random? random = null) =>
        new Backoff(baseDelay, maxDelay, Jitter: 1).Delay(attempt, random);
}
