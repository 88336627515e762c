using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DicomKit.Network;

namespace Gateway.Tests.Forwarding;

/// <summary>Ports on 127.0.0.1 for the peers of these tests.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port nothing listens on (just released by the OS): connecting to it is refused.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>DCMTK's storescp on 127.0.0.1, writing each received instance as a file into <see cref="Directory"/>.</summary>
internal sealed class StorescpPeer : IDisposable
{
    public const string AeTitle = "DESTSCP";

    private readonly Process _process;

    private StorescpPeer(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    /// <summary>Starts storescp on <paramref name="port"/> (a free one when 0) and waits, at most 10 s, until it accepts connections.</summary>
    public static async Task<StorescpPeer> StartAsync(string directory, int port = 0, params string[] options)
    {
        if (port == 0) port = LoopbackPorts.Free();
        System.IO.Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("storescp") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[.. options, "-aet", AeTitle, "-od", directory, port.ToString(CultureInfo.InvariantCulture)])
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("storescp did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var peer = new StorescpPeer(process, port, directory);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return peer;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch
            {
                peer.Dispose();
                throw;
            }
        }
    }

    /// <summary>The files storescp has written (complete ones: it writes under the final name once the instance is in).</summary>
    public IReadOnlyList<string> Files() => [.. System.IO.Directory.EnumerateFiles(Directory).Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}

/// <summary>
/// A destination made with DicomKit's own listener: it counts each SOP Instance UID it receives, can take its time
/// before answering, and answers with a chosen status.
/// </summary>
internal sealed class ScriptedDestination : IStorageSink, IAsyncDisposable
{
    public const string AeTitle = "SCRIPTED";

    private DicomListener? _listener;

    public ConcurrentDictionary<string, int> Received { get; } = new(StringComparer.Ordinal);

    /// <summary>How long each C-STORE waits before it is answered.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The status each C-STORE is answered with.</summary>
    public DimseStatus Status { get; set; } = DimseStatus.Success;

    public int Port => _listener?.LocalEndPoint.Port ?? throw new InvalidOperationException("not started");

    public async Task StartAsync()
    {
        _listener = new DicomListener(new DicomListenerOptions { AeTitle = AeTitle, Port = 0, BindAddress = "127.0.0.1" }, this);
        await _listener.StartAsync();
    }

    public ValueTask<IIncomingInstance> BeginAsync(StoreRequestContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IIncomingInstance>(new Incoming(this, context.SopInstanceUid));

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null) await _listener.DisposeAsync();
    }

    private sealed class Incoming(ScriptedDestination owner, string sopInstanceUid) : IIncomingInstance
    {
        public Stream Content { get; } = Stream.Null;

        public async ValueTask<DimseStatus> CommitAsync(CancellationToken cancellationToken)
        {
            if (owner.Delay > TimeSpan.Zero) await Task.Delay(owner.Delay, cancellationToken);
            if (!owner.Status.IsFailure) owner.Received.AddOrUpdate(sopInstanceUid, 1, (_, n) => n + 1);
            return owner.Status;
        }

        public ValueTask AbortAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
