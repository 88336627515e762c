using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DicomKit.Network.Services;
using DicomKit.Network.UpperLayer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DicomKit.Network;

/// <summary>
/// A DICOM acceptor: Verification SCP and Storage SCP for every storage SOP class, on one TCP port.
/// </summary>
/// <remarks>
/// Built to be hosted by a BackgroundService (<c>ExecuteAsync(ct) => listener.RunAsync(ct)</c>). Each connection
/// gets its own sequential loop; nothing a peer sends can stop the accept loop or another association: garbage,
/// an HTTP request or a TLS ClientHello ends that connection with an A-ABORT and a log line. Memory per
/// association is bounded by <see cref="DicomListenerOptions.MaxPduLength"/>, whatever lengths a peer declares,
/// because data set bytes go to the <see cref="IStorageSink"/> as they arrive. With <see cref="DicomTlsServerOptions"/>
/// every connection starts with a TLS handshake, bounded by the ARTIM timeout; a host that serves plain DICOM and
/// DICOM over TLS runs two listeners, one per port.
/// </remarks>
public sealed class DicomListener : IAsyncDisposable
{
    private readonly DicomListenerOptions _options;
    private readonly IStorageSink _sink;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DicomTlsServerOptions? _tls;
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private readonly ConnectionAdmission _admission;
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _socket;
    private Task? _acceptLoop;
    private long _nextId;
    private int _active;
    private int _stopped;
    private IPEndPoint? _boundTo;

    public DicomListener(DicomListenerOptions options, IStorageSink sink, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null,
        DicomTlsServerOptions? tls = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        _options = options;
        _admission = new ConnectionAdmission(options);
        _sink = sink;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<DicomListener>();
        _time = timeProvider ?? TimeProvider.System;
        _tls = tls;
    }

    /// <summary>The bound address and port; with <see cref="DicomListenerOptions.Port"/> 0, the port the system chose.</summary>
    public IPEndPoint LocalEndPoint => _boundTo ?? throw new InvalidOperationException("the listener is not started");

    /// <summary>Connections currently open: associations being served and connections still waiting for their request.</summary>
    public int ActiveAssociations => Volatile.Read(ref _active);

    /// <summary>Connections that have not yet sent a complete A-ASSOCIATE-RQ.</summary>
    public int PendingConnections => _admission.Pending;

    /// <summary>Binds and starts accepting. Returns once the port is bound, so a caller may connect right after.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_socket is not null)
            throw new InvalidOperationException("the listener is already started");
        cancellationToken.ThrowIfCancellationRequested();
        var address = IPAddress.Parse(_options.BindAddress);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (address.Equals(IPAddress.IPv6Any))
            socket.DualMode = true;
        socket.Bind(new IPEndPoint(address, _options.Port));
        socket.Listen(128);
        _boundTo = (IPEndPoint)socket.LocalEndPoint!;
        _socket = socket;
        NetworkLog.ListenerStarted(_logger, _options.AeTitle, LocalEndPoint.ToString());
        _acceptLoop = AcceptLoopAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>Starts, serves until <paramref name="stoppingToken"/> is cancelled, then stops: the shape a BackgroundService wants.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await StartAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops accepting, aborts open associations (their sinks' AbortAsync runs), and waits for them to end. Only the
    /// first call does anything: <see cref="RunAsync"/> stops, and disposing afterwards must not fail.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_socket is null || Interlocked.Exchange(ref _stopped, 1) != 0)
            return;
        var endPoint = LocalEndPoint.ToString();
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Close();
        if (_acceptLoop is not null)
            await _acceptLoop.ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_sessions.Values).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        NetworkLog.ListenerStopped(_logger, endPoint);
    }

    private async Task AcceptLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket!.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // e.g. a connection reset before it was accepted
            }
            accepted.NoDelay = true;
            var id = Interlocked.Increment(ref _nextId);
            Interlocked.Increment(ref _active);
            var session = ServeAsync(accepted, id, ct);
            _sessions[id] = session;
            _ = session.ContinueWith((_, state) => _sessions.TryRemove((long)state!, out Task? _), id,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket accepted, long id, CancellationToken ct)
    {
        await Task.Yield();
        var transport = new SocketTransport(accepted);
        if (_tls is not null && !await HandshakeAsync(transport, id, ct).ConfigureAwait(false))
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            Interlocked.Decrement(ref _active);
            return;
        }
        var limits = new AssociationLimits(_options.MaxPduLength, AssociationLimits.DefaultMaxAssociatePdu, _options.ArtimTimeout, _options.IdleTimeout);
        var machine = new AssociationMachine(transport, isRequestor: false, limits, _logger, _time, id);
        var remote = transport.RemoteEndPoint?.Address ?? IPAddress.None;
        var (ticket, evicted) = _admission.Accept(remote, machine.CloseTransport);
        if (evicted is not null)
        {
            NetworkLog.PendingConnectionClosed(_logger, evicted.Address.ToString(), _options.MaxPendingConnections);
            evicted.Close();
        }
        try
        {
            var session = new ScpSession(machine, transport.RemoteEndPoint, _options, _sink, _logger, ResolveHost,
                () => _admission.RequestComplete(ticket),
                rq => _admission.TryAssociate(ticket, _options.IsRegisteredNode?.Invoke(rq.CallingAeTitle, transport.RemoteEndPoint?.Address) == true),
                transport.RemoteCertificate);
            await session.RunAsync(ct).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // one association failing must never take the listener down
        catch (Exception e)
#pragma warning restore CA1031
        {
            NetworkLog.AssociationFailed(_logger, id, transport.RemoteDescription, e);
        }
        finally
        {
            _admission.Release(ticket);
            await machine.DisposeAsync().ConfigureAwait(false);
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>The TLS handshake, within the ARTIM timeout: a peer that connects and says nothing holds no slot for long.</summary>
    private async Task<bool> HandshakeAsync(SocketTransport transport, long id, CancellationToken ct)
    {
        using var artim = CancellationTokenSource.CreateLinkedTokenSource(ct);
        artim.CancelAfter(_options.ArtimTimeout);
        try
        {
            await transport.AuthenticateAsServerAsync(_tls!, artim.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException
                                      or System.ComponentModel.Win32Exception)
        {
            NetworkLog.TlsHandshakeFailed(_logger, id, transport.RemoteDescription, e is OperationCanceledException ? "timed out" : e.Message);
            return false;
        }
    }

    private static async Task<IPAddress[]> ResolveHost(string host, CancellationToken ct)
    {
        try
        {
            return await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _socket?.Dispose();
    }
}
