using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace DicomKit.Network.UpperLayer;

/// <summary>
/// TCP transport. TCP_NODELAY is set on every socket and each PDU is handed to the kernel in one send, so no
/// PDU of ours waits for an ACK. The reverse stall needs more: a peer with Nagle on (Debian's DCMTK never sets
/// TCP_NODELAY) sends a C-STORE command PDU, then holds the small data PDU until the command is ACKed, while
/// Linux delays that ACK ~40 ms because we have nothing to answer yet: about 21 stores a second. So on Linux
/// every receive re-arms TCP_QUICKACK (it is not sticky), and the peer's next segment is ACKed at once.
/// With TLS, an <see cref="SslStream"/> sits between the socket and the pipe; the socket options stay the same.
/// </summary>
internal sealed class SocketTransport : ITransport
{
    /// <summary>
    /// Bytes asked of the socket per receive: a 512 KiB CT slice arrives in two or three system calls rather than
    /// eight (each also re-arms TCP_QUICKACK), and an association holds at most one such buffer at a time.
    /// </summary>
    internal const int ReceiveBufferSize = 256 * 1024;

    private readonly EndPoint? _connectTo;
    private readonly DicomTlsClientOptions? _clientTls;
    private readonly string? _targetHost;
    private readonly TimeSpan _handshakeTimeout;
    private Socket? _socket;
    private Stream? _stream;
    private PipeReader? _input;
    private int _closed;

    /// <summary>For an accepted connection.</summary>
    public SocketTransport(Socket accepted)
    {
        accepted.NoDelay = true;
        Attach(accepted);
        RemoteEndPoint = accepted.RemoteEndPoint as IPEndPoint;
    }

    /// <summary>For a connection this side will open (AE-1), over TLS when <paramref name="tls"/> is given.</summary>
    public SocketTransport(EndPoint connectTo, DicomTlsClientOptions? tls = null, string? targetHost = null, TimeSpan? handshakeTimeout = null)
    {
        _handshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(30);
        _connectTo = connectTo;
        _clientTls = tls;
        _targetHost = tls?.TargetHost ?? targetHost;
    }

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
        if (_clientTls is not null)
            await AuthenticateAsClientAsync(_clientTls, cancellationToken).ConfigureAwait(false);
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

    /// <summary>True once a TLS handshake has put an <see cref="SslStream"/> under the pipe.</summary>
    public bool IsTls => _stream is SslStream;

    /// <summary>The certificate the peer presented in the TLS handshake, if any.</summary>
    public X509Certificate2? RemoteCertificate => (_stream as SslStream)?.RemoteCertificate as X509Certificate2;

    /// <summary>
    /// The acceptor's TLS handshake, before any PDU is read. Throws <see cref="AuthenticationException"/> or
    /// <see cref="IOException"/> when the peer does not complete it or fails our checks.
    /// </summary>
    public async Task AuthenticateAsServerAsync(DicomTlsServerOptions tls, CancellationToken cancellationToken)
    {
        var validate = tls.ValidateClientCertificate ?? DicomTls.ChainsTo(null, clientAuthentication: true);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificate = tls.ServerCertificate(),
            EnabledSslProtocols = DicomTls.Protocols,
            CipherSuitesPolicy = DicomTls.CipherSuites,
            ClientCertificateRequired = tls.ClientCertificates != DicomClientCertificateMode.None,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => tls.ClientCertificates switch
            {
                DicomClientCertificateMode.None => true,
                DicomClientCertificateMode.Optional when certificate is null => true,
                _ => certificate is not null && validate(certificate as X509Certificate2 ?? new X509Certificate2(certificate)),
            },
        };
        var ssl = await WrapAsync(ssl => ssl.AuthenticateAsServerAsync(options, cancellationToken)).ConfigureAwait(false);
        _stream = ssl;
    }

    private async Task AuthenticateAsClientAsync(DicomTlsClientOptions tls, CancellationToken cancellationToken)
    {
        var validate = tls.ValidateServerCertificate ?? DicomTls.ChainsTo(null, clientAuthentication: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = _targetHost ?? "",
            EnabledSslProtocols = DicomTls.Protocols,
            CipherSuitesPolicy = DicomTls.CipherSuites,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificates = tls.ClientCertificate is null ? null : [tls.ClientCertificate],
            // The name must match; the chain is the validator's to judge, against the roots it trusts.
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && certificate is not null
                && validate(certificate as X509Certificate2 ?? new X509Certificate2(certificate)),
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_handshakeTimeout);
        try
        {
            _stream = await WrapAsync(ssl => ssl.AuthenticateAsClientAsync(options, timeout.Token)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var why = e is OperationCanceledException ? "timed out" : e.Message;
            throw new DicomNetworkException($"TLS handshake with {RemoteDescription} failed: {why}", e);
        }
    }

    /// <summary>Puts an SslStream between the socket and a new pipe once <paramref name="handshake"/> succeeds.</summary>
    private async Task<SslStream> WrapAsync(Func<SslStream, Task> handshake)
    {
        var inner = _stream ?? throw new InvalidOperationException("transport is not connected");
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await handshake(ssl).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        // Nothing was read through the plain pipe yet, so completing it loses no bytes.
        if (_input is not null)
            await _input.CompleteAsync().ConfigureAwait(false);
        _input = PipeReader.Create(ssl, new StreamPipeReaderOptions(bufferSize: ReceiveBufferSize, minimumReadSize: ReceiveBufferSize / 4, leaveOpen: true));
        return ssl;
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> pdu, CancellationToken cancellationToken)
    {
        if (_stream is SslStream ssl)
        {
            // SslStream frames one write as few records as it can; flushing hands them to the socket at once.
            await ssl.WriteAsync(pdu, cancellationToken).ConfigureAwait(false);
            await ssl.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
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
