using System.Diagnostics;
using System.Globalization;

namespace DicomKit.Tests.Network.Support;

/// <summary>DCMTK storescp on 127.0.0.1 and a free port, writing what it receives to a directory.</summary>
internal sealed class Storescp : IDisposable
{
    public const string AeTitle = "STORESCP";
    private readonly Process _process;

    private Storescp(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }
    public string Directory { get; }

    public static async Task<Storescp> StartAsync(string directory, params string[] extra)
    {
        var port = LoopbackPort.Free();
        var psi = new ProcessStartInfo("storescp") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[.. extra, "-aet", AeTitle, "-od", directory, port.ToString(CultureInfo.InvariantCulture)])
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var storescp = new Storescp(process, port, directory);
        if (await LoopbackPort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(10), () => process.HasExited)) return storescp;
        storescp.Dispose();
        throw new InvalidOperationException($"storescp did not listen on 127.0.0.1:{port} within 10 s");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
