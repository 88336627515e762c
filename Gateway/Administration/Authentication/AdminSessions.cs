using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace DicomGateway.Administration;

/// <summary>
/// The cookie sessions alive on this server. A session cookie names its session (<see cref="AdminClaims.Session"/>)
/// and is accepted only while the session is here: signing out removes it, so a copy of the cookie taken before is
/// refused afterwards, although the cookie itself would still decrypt. The list lives in memory like the keys that
/// protect the cookies (a restart signs everyone out anyway); an entry idle longer than
/// <see cref="AdministrationOptions.SessionMinutes"/> ends, as the cookie's own sliding expiry does.
/// </summary>
public sealed class AdminSessions(TimeProvider time, IOptions<AdministrationOptions> options)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);

    private TimeSpan Idle => TimeSpan.FromMinutes(options.Value.SessionMinutes);

    /// <summary>Sessions alive now (idle ones not yet swept are counted until the next <see cref="Start"/>).</summary>
    public int Count => _lastSeen.Count;

    /// <summary>A new session: an unguessable id of 32 random bytes.</summary>
    public string Start()
    {
        var now = time.GetUtcNow();
        foreach (var (stale, seen) in _lastSeen)
        {
            if (now - seen > Idle) _lastSeen.TryRemove(new KeyValuePair<string, DateTimeOffset>(stale, seen));
        }
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        _lastSeen[id] = now;
        return id;
    }

    /// <summary>True, and the session's idle time restarts, when <paramref name="id"/> is a live session.</summary>
    public bool Touch(string? id)
    {
        if (string.IsNullOrEmpty(id) || !_lastSeen.TryGetValue(id, out var seen)) return false;
        var now = time.GetUtcNow();
        if (now - seen > Idle)
        {
            _lastSeen.TryRemove(new KeyValuePair<string, DateTimeOffset>(id, seen));
            return false;
        }
        _lastSeen.TryUpdate(id, now, seen);
        return true;
    }

    /// <summary>Ends the session: its cookie, and every copy of it, is refused from now on.</summary>
    public void End(string? id)
    {
        if (!string.IsNullOrEmpty(id)) _lastSeen.TryRemove(id, out _);
    }
}
