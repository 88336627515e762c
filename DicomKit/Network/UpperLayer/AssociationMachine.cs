using System.Buffers;
using DicomKit.Network.Pdus;
using Microsoft.Extensions.Logging;

namespace DicomKit.Network.UpperLayer;

/// <summary>
/// The DICOM upper layer protocol machine of one association (PS3.8 9.2). Events come from two sides: PDUs read
/// from the transport (<see cref="ReadNextAsync"/>) and primitives from the local user (the SCP or SCU driver).
/// <see cref="DispatchAsync"/> looks the pair up in <see cref="StateTable"/> and runs the action; the action says
/// what the user must be told through <see cref="Indication"/>. The machine never calls up into the user, so
/// one association is one sequential loop with no locks.
/// </summary>
internal sealed partial class AssociationMachine : IAsyncDisposable
{
    private readonly ITransport _transport;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _artimTimeout;
    private long? _artimDeadline;
    private bool _transportBroken;

    public AssociationMachine(ITransport transport, bool isRequestor, AssociationLimits limits, ILogger logger, TimeProvider time, long id)
    {
        _transport = transport;
        IsRequestor = isRequestor;
        Limits = limits;
        _logger = logger;
        _time = time;
        _artimTimeout = limits.ArtimTimeout;
        Id = id;
    }

    public long Id { get; }
    public bool IsRequestor { get; }
    public AssociationLimits Limits { get; }
    public State State { get; internal set; } = State.Sta1;
    public Indication Indication { get; private set; }
    public string Remote => _transport.RemoteDescription;

    /// <summary>The A-ASSOCIATE-RQ sent (requestor) or received (acceptor).</summary>
    public AssociateRq? Request { get; set; }
    /// <summary>The A-ASSOCIATE-AC sent (acceptor) or received (requestor).</summary>
    public AssociateAc? Accept { get; set; }
    /// <summary>The A-ASSOCIATE-RJ sent or received.</summary>
    public AssociateRj? Reject { get; set; }
    /// <summary>The A-ABORT received, or null for a provider-initiated loss of the association.</summary>
    public AbortPdu? ReceivedAbort { get; private set; }
    /// <summary>Why the association ended abnormally, for the log and for exceptions thrown to callers.</summary>
    public string? AbortDetail { get; private set; }

    public bool IsArtimRunning => _artimDeadline is not null;

    /// <summary>Runs the action PS3.8 Table 9-10 names for (current state, event) and moves to the state it returns.</summary>
    public async ValueTask DispatchAsync(Input input, CancellationToken cancellationToken = default)
    {
        var state = State;
        var action = StateTable.Lookup(state, input.Event);
        Indication = Indication.None;
        var next = await RunAsync(action, input, cancellationToken).ConfigureAwait(false);
        State = next;
        NetworkLog.Transition(_logger, Id, state.ToString(), input.Event.ToString(), action.ToString(), next.ToString());
    }

    private ValueTask<State> RunAsync(Action action, Input input, CancellationToken ct) => action switch
    {
        Action.AE1 => AE1(ct),
        Action.AE2 => AE2(ct),
        Action.AE3 => AE3(input),
        Action.AE4 => AE4(input),
        Action.AE5 => AE5(),
        Action.AE6 => AE6(input, ct),
        Action.AE7 => AE7(ct),
        Action.AE8 => AE8(ct),
        Action.DT1 => DT1(input, ct),
        Action.DT2 => DT2(),
        Action.AR1 => AR1(ct),
        Action.AR2 => AR2(),
        Action.AR3 => AR3(),
        Action.AR4 => AR4(ct),
        Action.AR5 => AR5(),
        Action.AR6 => AR6(),
        Action.AR7 => AR7(input, ct),
        Action.AR8 => AR8(),
        Action.AR9 => AR9(ct),
        Action.AR10 => AR10(),
        Action.AA1 => AA1(input, ct),
        Action.AA2 => AA2(input),
        Action.AA3 => AA3(input),
        Action.AA4 => AA4(input),
        Action.AA5 => AA5(),
        Action.AA6 => AA6(),
        Action.AA7 => AA7(input, ct),
        Action.AA8 => AA8(input, ct),
        _ => InvalidPair(input, ct),
    };

    private void StartArtim() => _artimDeadline = _time.GetTimestamp() + (long)(_artimTimeout.TotalSeconds * _time.TimestampFrequency);

    private void StopArtim() => _artimDeadline = null;

    /// <summary>
    /// Encodes a PDU into one pooled buffer and hands it to the transport in one write. A failed send does not
    /// throw: it closes the transport, and the next read reports Evt17 so the table decides what follows.
    /// </summary>
    private async ValueTask SendAsync(IWritablePdu pdu, CancellationToken ct)
    {
        var length = pdu.EncodedLength;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encode(pdu, buffer.AsSpan(0, length));
            await SendRawAsync(buffer.AsMemory(0, length), ct).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Encode(IWritablePdu pdu, Span<byte> destination)
    {
        var w = new PduWriter(destination);
        pdu.Write(ref w);
        if (w.Position != destination.Length)
            throw new InvalidOperationException($"{pdu.GetType().Name} wrote {w.Position} bytes but declared {destination.Length}");
    }

    private async ValueTask SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        if (_transportBroken)
            return;
        try
        {
            await _transport.SendAsync(bytes, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            _transportBroken = true;
            AbortDetail ??= $"send failed: {e.Message}";
            _transport.Close();
        }
    }

    public void CloseTransport() => _transport.Close();

    public ValueTask DisposeAsync() => _transport.DisposeAsync();
}

/// <summary>Sizes and times that bound one association.</summary>
/// <param name="MaxReceivePdu">Largest P-DATA-TF body we accept: the maximum length we announce to the peer.</param>
/// <param name="MaxAssociatePdu">Largest body of any other PDU, mainly A-ASSOCIATE-RQ/AC.</param>
/// <param name="ArtimTimeout">ARTIM (PS3.8 9.1.5): how long to wait for an A-ASSOCIATE-RQ or for the peer to close.</param>
/// <param name="IdleTimeout">How long an established association may be silent before we abort it.</param>
internal sealed record AssociationLimits(int MaxReceivePdu, int MaxAssociatePdu, TimeSpan ArtimTimeout, TimeSpan IdleTimeout)
{
    public const int DefaultMaxAssociatePdu = 256 * 1024;
}
