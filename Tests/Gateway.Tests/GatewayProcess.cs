using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests;

/// <summary>
/// The real Gateway executable, started as a process on a free loopback port with its own data directory and
/// settings given the standard .NET ways (environment variables and command-line switches).
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, int port, int webPort, string dataDirectory, bool ownsData)
    {
        _process = process;
        Port = port;
        WebPort = webPort;
        DataDirectory = dataDirectory;
        _ownsData = ownsData;
    }

    private readonly bool _ownsData;

    public int Port { get; }
    public int WebPort { get; }
    public Uri WebBase => new($"http://127.0.0.1:{WebPort}");
    public string DataDirectory { get; }
    public string BlobDirectory => Path.Combine(DataDirectory, "blobs");
    public string DatabasePath => Path.Combine(DataDirectory, "gateway.db");

    /// <summary>SIGKILL: the process gets no chance to clean up, as in a power cut of the process (not of the disk).</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(new CancellationTokenSource(10_000).Token);
    }

    /// <summary>The gateway's process id (its /proc entry is read by some tests).</summary>
    public int ProcessId => _process.Id;

    /// <summary>SIGTERM, as systemd or an administrator stops the service; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        await _process.WaitForExitAsync(new CancellationTokenSource(30_000).Token);
        return _process.ExitCode;
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Waits (up to 10 s) until the gateway's output contains <paramref name="text"/>: log lines arrive asynchronously.</summary>
    public async Task<bool> WaitForOutputAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Contains(text, StringComparison.Ordinal)) return true;
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>
    /// Starts the gateway with its DICOM port and web port free on loopback. With <paramref name="dataDirectory"/>
    /// it reuses that directory (a restart) and leaves it in place at dispose; otherwise it makes and deletes its own.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(IDictionary<string, string>? environment = null, IEnumerable<string>? args = null,
        string? dataDirectory = null, int? port = null)
    {
        port ??= FreePort();
        var webPort = FreePort();
        var data = dataDirectory ?? Path.Combine(Path.GetTempPath(), "gw-test-" + Guid.NewGuid().ToString("N"));
        var exe = Path.Combine(AppContext.BaseDirectory, "DicomGateway.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(exe);
        psi.ArgumentList.Add("--Storage:DataDirectory");
        psi.ArgumentList.Add(data);
        psi.ArgumentList.Add("--Dicom:BindAddress");
        psi.ArgumentList.Add("127.0.0.1");
        psi.ArgumentList.Add("--Web:Urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{webPort}");
        psi.ArgumentList.Add("--Web:PublicBaseUrl");
        psi.ArgumentList.Add($"http://127.0.0.1:{webPort}");
        foreach (var a in args ?? []) psi.ArgumentList.Add(a);
        psi.Environment["Dicom__Port"] = port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the gateway");
        var gw = new GatewayProcess(process, port.Value, webPort, data, ownsData: dataDirectory is null);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gw._output) gw._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gw._output) gw._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                process.WaitForExit(); // drains the redirected output, so the message below has it all
                throw new InvalidOperationException("the gateway exited at start:\n" + gw.Output);
            }
            if (gw.Output.Contains("listening on", StringComparison.Ordinal) && gw.Output.Contains("Application started", StringComparison.Ordinal)) return gw;
            await Task.Delay(100);
        }
        await gw.DisposeAsync();
        throw new TimeoutException("the gateway did not start listening within 30 s:\n" + gw.Output);
    }

    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(new CancellationTokenSource(10_000).Token);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        if (_ownsData)
        {
            try { Directory.Delete(DataDirectory, recursive: true); } catch (DirectoryNotFoundException) { }
        }
    }
}
