using System.Net;

namespace DicomKit.Network;

/// <summary>
/// Who gets a connection slot and who gets an association slot, so that idle or slow connections cannot lock
/// registered nodes out. A connection is <em>pending</em> from accept until its A-ASSOCIATE-RQ is complete (ARTIM bounds
/// how long). Pending connections are bounded in total; a new one over the bound closes the oldest pending connection
/// of the address holding the most, so a flood only ever displaces its own connections, and a real caller, which sends
/// its request in its first round trip, is never the oldest for long. At the request the caller is known (AE title and
/// address): a stranger may hold at most <see cref="DicomListenerOptions.MaxConnectionsPerAddress"/> associations per
/// address and may not take the last <see cref="DicomListenerOptions.ReservedAssociationsForNodes"/> association slots;
/// a registered node is limited only by <see cref="DicomListenerOptions.MaxConcurrentAssociations"/>.
/// </summary>
internal sealed class ConnectionAdmission(DicomListenerOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, PerAddress> _addresses = [];
    private int _pending;
    private int _strangers;
    private int _associations;

    /// <summary>One connection's place in the accounting.</summary>
    internal sealed class Ticket(IPAddress address, Action close)
    {
        public IPAddress Address { get; } = address;
        public Action Close { get; } = close;
        public LinkedListNode<Ticket>? PendingNode { get; set; }
        public bool Stranger { get; set; }
        public bool Associated { get; set; }
    }

    private sealed class PerAddress
    {
        public LinkedList<Ticket> Pending { get; } = new();
        public int StrangerAssociations { get; set; }
        public bool IsEmpty => Pending.Count == 0 && StrangerAssociations == 0;
    }

    public int Pending
    {
        get
        {
            lock (_lock)
                return _pending;
        }
    }

    /// <summary>Registers an accepted connection as pending; returns it and the pending connection closed to make room, if any.</summary>
    public (Ticket Admitted, Ticket? Evicted) Accept(IPAddress address, Action close)
    {
        var ticket = new Ticket(Normalise(address), close);
        Ticket? evicted = null;
        lock (_lock)
        {
            if (_pending >= options.MaxPendingConnections)
            {
                evicted = _addresses.Values.Where(a => a.Pending.Count > 0).MaxBy(a => a.Pending.Count)?.Pending.First?.Value;
                if (evicted is not null)
                    LeavePending(evicted);
            }
            var entry = AddressOf(ticket.Address);
            ticket.PendingNode = entry.Pending.AddLast(ticket);
            _pending++;
        }
        return (ticket, evicted);
    }

    /// <summary>The connection's request is complete, whether or not it will be accepted: it is no longer pending.</summary>
    public void RequestComplete(Ticket ticket)
    {
        lock (_lock)
            LeavePending(ticket);
    }

    /// <summary>
    /// The connection's request is complete and its caller accepted: it asks for an association slot. Null when it
    /// gets one, else why not (the caller answers A-ASSOCIATE-RJ, transient, local limit exceeded).
    /// </summary>
    public string? TryAssociate(Ticket ticket, bool registeredNode)
    {
        lock (_lock)
        {
            LeavePending(ticket);
            if (_associations >= options.MaxConcurrentAssociations)
                return $"more than {options.MaxConcurrentAssociations} concurrent associations";
            if (!registeredNode)
            {
                var reserved = Math.Min(options.ReservedAssociationsForNodes, options.MaxConcurrentAssociations - 1);
                if (_strangers >= options.MaxConcurrentAssociations - reserved)
                    return $"callers that are not registered nodes hold {_strangers} associations; the other {reserved} slots are kept for registered nodes";
                var entry = AddressOf(ticket.Address);
                if (entry.StrangerAssociations >= options.MaxConnectionsPerAddress)
                    return $"more than {options.MaxConnectionsPerAddress} associations from this address";
                entry.StrangerAssociations++;
                _strangers++;
                ticket.Stranger = true;
            }
            _associations++;
            ticket.Associated = true;
            return null;
        }
    }

    /// <summary>The connection has ended: frees whatever slot it held. Idempotent.</summary>
    public void Release(Ticket ticket)
    {
        lock (_lock)
        {
            LeavePending(ticket);
            if (!ticket.Associated)
                return;
            ticket.Associated = false;
            _associations--;
            if (ticket.Stranger)
            {
                ticket.Stranger = false;
                _strangers--;
                var entry = AddressOf(ticket.Address);
                entry.StrangerAssociations--;
                Forget(ticket.Address, entry);
            }
        }
    }

    private void LeavePending(Ticket ticket)
    {
        if (ticket.PendingNode is not { } node)
            return;
        var entry = AddressOf(ticket.Address);
        entry.Pending.Remove(node);
        ticket.PendingNode = null;
        _pending--;
        Forget(ticket.Address, entry);
    }

    private PerAddress AddressOf(IPAddress address)
    {
        if (!_addresses.TryGetValue(address, out var entry))
            _addresses[address] = entry = new PerAddress();
        return entry;
    }

    private void Forget(IPAddress address, PerAddress entry)
    {
        if (entry.IsEmpty)
            _addresses.Remove(address);
    }

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
