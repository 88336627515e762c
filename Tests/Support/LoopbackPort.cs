using System.Net;
using System.Net.Sockets;

namespace DicomGateway.Tests.Support;

/// <summary>Ports on 127.0.0.1: the tests never listen on, or connect to, anything but loopback.</summary>
internal static class LoopbackPort
{
    /// <summary>A port nothing listens on (just released by the OS): connecting to it is refused until someone binds it.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Waits until a connection to <paramref name="port"/> is accepted, for at most <paramref name="timeout"/>, and gives
    /// up early once <paramref name="givenUp"/> holds (the peer process has exited). False when it never listened.
    /// </summary>
    public static async Task<bool> WaitUntilListeningAsync(int port, TimeSpan timeout, Func<bool>? givenUp = null)
    {
        var accepted = false;
        await Eventually.TrueAsync(async () => givenUp?.Invoke() == true || (accepted = await AcceptsAsync(port)), timeout, TimeSpan.FromMilliseconds(20));
        return accepted;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var probe = new TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
