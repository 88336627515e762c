using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace DicomKit.Network.UpperLayer;

/// <summary>
/// TCP transport. TCP_NODELAY is set on every socket: DCMTK peers delay their ACKs, and with Nagle on our side
/// each small response would wait ~40 ms for one. Each PDU is handed to the kernel in one send.
/// </summary>
internal sealed class SocketTransport : ITransport
{
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
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
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
