using System.Diagnostics;
using System.Globalization;

namespace DicomGateway.Tests.Support;

/// <summary>DCMTK's storescp on 127.0.0.1, writing each received instance as a file into <see cref="Directory"/>.</summary>
internal sealed class StorescpPeer : IDisposable
{
    public const string AeTitle = "STORESCP";

    private readonly Process _process;

    private StorescpPeer(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    /// <summary>
    /// Starts storescp on <paramref name="port"/> (a free one when 0) with <paramref name="options"/> before its own
    /// arguments, and waits, at most 10 s, until it accepts connections.
    /// </summary>
    public static async Task<StorescpPeer> StartAsync(string directory, int port = 0, params string[] options)
    {
        if (port == 0) port = LoopbackPort.Free();
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
        if (await LoopbackPort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(10), () => process.HasExited)) return peer;
        peer.Dispose();
        throw new InvalidOperationException($"storescp did not listen on 127.0.0.1:{port} within 10 s");
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
