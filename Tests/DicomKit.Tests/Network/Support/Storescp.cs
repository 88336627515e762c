using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

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
        var port = FreePort();
        var psi = new ProcessStartInfo("storescp") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[.. extra, "-aet", AeTitle, "-od", directory, port.ToString(CultureInfo.InvariantCulture)])
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }
        return new Storescp(process, port, directory);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
