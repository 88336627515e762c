namespace DicomGateway.Hosting;

/// <summary>
/// A value read from the database for an observable gauge. A scrape calls <see cref="Current"/> on the exporter's thread,
/// synchronously, so it must never wait for the database: it returns the last value read (null before the first read
/// ends) and, when that value is older than the maximum age, starts one read in the background. A read that fails (the
/// database locked, not yet migrated) keeps the last value, so a scrape shows a slightly old number rather than none.
/// </summary>
public sealed class CachedReading<T> where T : class
{
    private readonly Func<CancellationToken, Task<T>> _read;
    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _readTimeout;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private T? _value;
    private DateTimeOffset? _startedAt;
    private int _reading;
    private Task _lastRead = Task.CompletedTask;

    /// <param name="read">Reads the value; called on the thread pool, at most one at a time.</param>
    /// <param name="maxAge">How old a value may be before a scrape starts a new read.</param>
    /// <param name="readTimeout">How long a read may take before it is cancelled, so that a stuck read never stops the next.</param>
    /// <param name="time">The clock that ages the value.</param>
    public CachedReading(Func<CancellationToken, Task<T>> read, TimeSpan maxAge, TimeSpan readTimeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(readTimeout, TimeSpan.Zero);
        (_read, _maxAge, _readTimeout, _time) = (read, maxAge, readTimeout, time);
    }

    /// <summary>How many reads have failed since the last one that succeeded.</summary>
    public int FailuresInARow { get; private set; }

    /// <summary>The read in progress, or the last one (completed): lets a caller that can wait, wait.</summary>
    public Task LastRead => Volatile.Read(ref _lastRead);

    /// <summary>The last value read, without waiting; starts a background read when it is stale and none is running.</summary>
    public T? Current()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var stale = _startedAt is not { } started || now - started >= _maxAge;
            if (stale && _reading == 0)
            {
                _reading = 1;
                _startedAt = now;
                Volatile.Write(ref _lastRead, Task.Run(ReadAsync));
            }
        }
        return Volatile.Read(ref _value);
    }

    private async Task ReadAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(_readTimeout, _time);
            var value = await _read(timeout.Token).ConfigureAwait(false);
            Volatile.Write(ref _value, value);
            FailuresInARow = 0;
        }
#pragma warning disable CA1031 // Any failure of a read keeps the last value: a gauge must not stop the exporter.
        catch (Exception)
#pragma warning restore CA1031
        {
            FailuresInARow++;
        }
        finally
        {
            lock (_gate) _reading = 0;
        }
    }
}

/// <summary>The defaults and the measurement helper of the database-backed gauges (docs/metrics.md).</summary>
public static class CachedReading
{
    /// <summary>How old a count may be when scraped: a scrape every 15 s or more then costs at most one query per count.</summary>
    public static TimeSpan MaxAge { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Longer than the database's busy timeout, so that a read cancelled here was really stuck.</summary>
    public static TimeSpan ReadTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// One measurement per label value, 0 for a value the read did not return, so that every series exists from the
    /// first read on; nothing before the first read has ended.
    /// </summary>
    public static IEnumerable<System.Diagnostics.Metrics.Measurement<long>> ByLabel(IReadOnlyDictionary<string, long>? counts, string label, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (counts is null) return [];
        return [.. values.Select(v => new System.Diagnostics.Metrics.Measurement<long>(counts.GetValueOrDefault(v), new KeyValuePair<string, object?>(label, v)))];
    }

    /// <summary>The count of one key as a single measurement; nothing before the first read has ended.</summary>
    public static IEnumerable<System.Diagnostics.Metrics.Measurement<long>> One(IReadOnlyDictionary<string, long>? counts, string key) =>
        counts is null ? [] : [new System.Diagnostics.Metrics.Measurement<long>(counts.GetValueOrDefault(key))];
}
