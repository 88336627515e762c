using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.Support;

/// <summary>
/// Plays systemd's side of sd_notify: a Unix datagram socket (give <see cref="Path"/> as $NOTIFY_SOCKET) that
/// collects the messages a Type=notify service sends (READY=1, WATCHDOG=1, STOPPING=1).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SystemdNotifySocket : IDisposable
{
    private readonly TempDirectory _directory = new("gw-notify-");
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<string> _messages = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;

    public SystemdNotifySocket()
    {
        Path = System.IO.Path.Combine(_directory.Path, "notify");
        _socket.Bind(new UnixDomainSocketEndPoint(Path));
        // A service running as another user must be able to reach the socket, as it can systemd's.
        File.SetUnixFileMode(_directory.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        File.SetUnixFileMode(Path, (UnixFileMode)0x1FF);
        _receiving = ReceiveAsync();
    }

    public string Path { get; }

    /// <summary>Every message so far, in the order they came (one datagram may carry several lines).</summary>
    public IReadOnlyList<string> Messages
    {
        get { lock (_messages) return [.. _messages]; }
    }

    /// <summary>Waits (up to <paramref name="timeout"/>) for a message line equal to <paramref name="line"/>.</summary>
    public Task<bool> WaitForAsync(string line, TimeSpan timeout) =>
        Eventually.TrueAsync(() => Messages.Contains(line), timeout, TimeSpan.FromMilliseconds(20));

    public int Count(string line) => Messages.Count(m => m == line);

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                var lines = Encoding.UTF8.GetString(buffer, 0, n).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                lock (_messages) _messages.AddRange(lines);
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try { _receiving.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
        _directory.Dispose();
    }
}
