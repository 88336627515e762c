using System.IO.Pipelines;

namespace DicomKit.Network.UpperLayer;

/// <summary>
/// The transport service under the upper layer (PS3.8 9.1): a byte pipe in, whole PDUs out, and a close.
/// An interface so the state machine can be driven in tests without sockets.
/// </summary>
internal interface ITransport : IAsyncDisposable
{
    /// <summary>Opens the connection (AE-1); false when the peer cannot be reached.</summary>
    ValueTask<bool> ConnectAsync(CancellationToken cancellationToken);

    PipeReader Input { get; }

    /// <summary>Sends one complete PDU in a single write, so it leaves in as few segments as the network allows.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> pdu, CancellationToken cancellationToken);

    /// <summary>Called before each receive: lets the transport ask for an immediate ACK of what arrives next.</summary>
    void BeforeReceive();

    /// <summary>Closes the connection; idempotent.</summary>
    void Close();

    string RemoteDescription { get; }
}
