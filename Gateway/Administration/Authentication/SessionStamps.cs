using System.Collections.Concurrent;

namespace DicomGateway.Administration;

/// <summary>
/// Remembers each account's security stamp for <see cref="Lifetime"/>, so that a page of parallel requests costs one
/// database read rather than one each. A change made through <see cref="AccountStore"/> forgets the entry at once;
/// a change by another process (none today) is seen within <see cref="Lifetime"/>.
/// </summary>
public sealed class SessionStamps(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<long, (SessionStamp? Stamp, DateTimeOffset Until)> _entries = new();

    public async ValueTask<SessionStamp?> GetAsync(long accountId, Func<long, CancellationToken, Task<SessionStamp?>> load, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(load);
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(accountId, out var entry) && entry.Until > now) return entry.Stamp;
        var stamp = await load(accountId, ct).ConfigureAwait(false);
        _entries[accountId] = (stamp, now + Lifetime);
        return stamp;
    }

    public void Forget(long accountId) => _entries.TryRemove(accountId, out _);
}
