using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using DicomGateway.Shipments;
using Microsoft.Extensions.Options;

namespace DicomGateway.Web;

/// <summary>
/// Sessions of recipients who unlocked a shipment: a random id in a cookie, kept in memory as its SHA-256 only,
/// ended after <see cref="ShipmentOptions.SessionIdleTimeout"/> without a request. A restart ends every session
/// (the recipient unlocks again).
/// </summary>
public sealed class RecipientSessions(IOptions<ShipmentOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public sealed class Session(long shipmentId, long recipientId, DateTimeOffset lastSeen)
    {
        public long ShipmentId { get; } = shipmentId;
        public long RecipientId { get; } = recipientId;
        public DateTimeOffset LastSeen { get; set; } = lastSeen;
    }

    /// <summary>Starts a session; returns the id for the cookie.</summary>
    public string Start(long shipmentId, long recipientId)
    {
        Prune();
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        _sessions[Key(id)] = new Session(shipmentId, recipientId, time.GetUtcNow());
        return id;
    }

    public Session? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64) return null;
        var key = Key(id);
        if (!_sessions.TryGetValue(key, out var session)) return null;
        var now = time.GetUtcNow();
        if (now - session.LastSeen > options.Value.SessionIdleTimeout)
        {
            _sessions.TryRemove(key, out _);
            return null;
        }
        session.LastSeen = now;
        return session;
    }

    public void End(string? id)
    {
        if (!string.IsNullOrEmpty(id) && id.Length <= 64) _sessions.TryRemove(Key(id), out _);
    }

    private void Prune()
    {
        var limit = time.GetUtcNow() - options.Value.SessionIdleTimeout;
        foreach (var (key, session) in _sessions)
        {
            if (session.LastSeen < limit) _sessions.TryRemove(key, out _);
        }
    }

    private static string Key(string id) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(id)));
}
