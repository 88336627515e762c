using System.Diagnostics;

namespace DicomGateway.Tests.Support;

/// <summary>
/// Polling for what happens asynchronously (a log line, a row, a file, a pixel), always with a time limit: a test
/// that waits for something that never comes fails instead of hanging the run.
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>Reads until <paramref name="done"/> holds or <paramref name="timeout"/> has passed; returns the last value read either way.</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, TimeSpan? interval = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value) || clock.Elapsed >= timeout) return value;
            await Task.Delay(interval ?? DefaultInterval);
        }
    }

    /// <summary>True once <paramref name="condition"/> holds, false when it still does not after <paramref name="timeout"/>.</summary>
    public static Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? interval = null) =>
        PollAsync(condition, holds => holds, timeout, interval);

    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan timeout, TimeSpan? interval = null) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, interval);

    /// <summary>Returns once <paramref name="condition"/> holds; throws a <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        var limit = timeout ?? DefaultTimeout;
        if (!await TrueAsync(condition, limit, interval))
            throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.###} s waiting: {what}");
    }

    public static Task WaitAsync(Func<bool> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        WaitAsync(() => Task.FromResult(condition()), what, timeout, interval);
}
