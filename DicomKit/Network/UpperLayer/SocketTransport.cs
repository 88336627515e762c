using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace DicomKit.Network.UpperLayer;

/// <summary>
/// TCP transport. TCP_NODELAY is set on every socket and each PDU is handed to the kernel in one send, so no
/// PDU of ours waits for an ACK. The reverse stall needs more: a peer with Nagle on (Debian's DCMTK never sets
/// TCP_NODELAY) sends a C-STORE command PDU, then holds the small data PDU until the command is ACKed, while
/// Linux delays that ACK ~40 ms because we have nothing to answer yet: about 21 stores a second. So on Linux
/// every receive re-arms TCP_QUICKACK (it is not sticky), and the peer's next segment is ACKed at once.
/// </summary>
internal sealed class SocketTransport : ITransport
{
    /// <summary>
    /// Bytes asked of the socket per receive: a 512 KiB CT slice arrives in two or three system calls rather than
    /// eight (each also re-arms TCP_QUICKACK), and an association holds at most one such buffer at a time.
    /// </summary>
    internal const int ReceiveBufferSize = 256 * 1024;

    private readonly EndPoint? _connectTo;
    private Socket? _socket;
    private NetworkStream? _stream;
    private PipeReader? _input;
    private int _closed;

    /// <summary>For an accepted connection.</summary>
    public SocketTransport(Socket accepted)
    {
        accepted.NoDelay = true;
        Attach(accepted);
        RemoteEndPoint = accepted.RemoteEndPoint as IPEndPoint;
    }

    /// <summary>For a connection this side will open (AE-1).</summary>
    public SocketTransport(EndPoint connectTo) => _connectTo = connectTo;

    public IPEndPoint? RemoteEndPoint { get; private set; }

    public string RemoteDescription => RemoteEndPoint?.ToString() ?? _connectTo?.ToString() ?? "?";

    public PipeReader Input => _input ?? throw new InvalidOperationException("transport is not connected");

    public async ValueTask<bool> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connectTo is null)
            return _socket is not null;
        var socket = new Socket(_connectTo.AddressFamily == AddressFamily.Unspecified ? AddressFamily.InterNetwork : _connectTo.AddressFamily,
            SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_connectTo, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return false;
        }
        Attach(socket);
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
        return true;
    }

    private void Attach(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        // Zero-byte reads: an idle connection waits for data without holding a receive buffer.
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: ReceiveBufferSize, minimumReadSize: ReceiveBufferSize / 4,
            leaveOpen: true, useZeroByteReads: true));
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> pdu, CancellationToken cancellationToken)
    {
        var socket = _socket ?? throw new IOException("transport is not connected");
        while (!pdu.IsEmpty)
        {
            var sent = await socket.SendAsync(pdu, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            pdu = pdu[sent..];
        }
    }

    private static readonly byte[] QuickAckOn = BitConverter.GetBytes(1);
    private const int IpProtocolTcp = 6;
    private const int TcpQuickAck = 12; // linux/tcp.h

    public void BeforeReceive()
    {
        if (!OperatingSystem.IsLinux() || _socket is null || _closed != 0)
            return;
        try
        {
            _socket.SetRawSocketOption(IpProtocolTcp, TcpQuickAck, QuickAckOn);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        try
        {
            _socket?.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _socket?.Close();
    }

    public async ValueTask DisposeAsync()
    {
        Close();
        if (_input is not null)
            await _input.CompleteAsync().ConfigureAwait(false);
        if (_stream is not null)
            await _stream.DisposeAsync().ConfigureAwait(false);
        _socket?.Dispose();
    }
}
