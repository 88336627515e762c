using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Support;

/// <summary>
/// A stranger holding many connections to a DICOM port from 127.0.0.1 without ever completing an association: half
/// stay silent, half send the first bytes of an A-ASSOCIATE-RQ and stop. Each connection the server closes is opened
/// again at once, as an attacker who wants the port closed would. Nothing here completes a request, so the server never
/// learns an AE title from the flood.
/// </summary>
internal sealed class ConnectionFlood : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _holders = [];
    private int _open;
    private int _reopened;

    private ConnectionFlood(int port, int connections)
    {
        for (var i = 0; i < connections; i++)
            _holders.Add(HoldAsync(port, halfSent: i % 2 == 1, _stop.Token));
    }

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections opened again after the server closed them.</summary>
    public int Reopened => Volatile.Read(ref _reopened);

    public static ConnectionFlood Start(int port, int connections) => new(port, connections);

    private async Task HoldAsync(int port, bool halfSent, CancellationToken ct)
    {
        // 0x01 A-ASSOCIATE-RQ, a body of 200 bytes announced, 14 of them sent: protocol version, reserved, part of the called AE title.
        byte[] start = [0x01, 0x00, 0x00, 0x00, 0x00, 0xC8, 0x00, 0x01, 0x00, 0x00, (byte)'D', (byte)'I', (byte)'C', (byte)'O', (byte)'M', (byte)'G', (byte)'A', (byte)'T', (byte)'E', (byte)'W'];
        var first = true;
        var buffer = new byte[64];
        while (!ct.IsCancellationRequested)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port, ct);
                Interlocked.Increment(ref _open);
                if (!first)
                    Interlocked.Increment(ref _reopened);
                first = false;
                try
                {
                    if (halfSent)
                        await socket.SendAsync(start, SocketFlags.None, ct);
                    while (await socket.ReceiveAsync(buffer, SocketFlags.None, ct) > 0)
                    {
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _open);
                }
            }
            catch (SocketException)
            {
                // refused or reset: try again, after a moment so a refusing server is not spun against
                await Task.Delay(20, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_holders).WaitAsync(TimeSpan.FromSeconds(20));
        _stop.Dispose();
    }
}
