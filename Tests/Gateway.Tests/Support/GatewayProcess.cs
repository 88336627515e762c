using System.Diagnostics;
using System.Text;

namespace Gateway.Tests.Support;

/// <summary>
/// The real Gateway executable, started as a process on a free loopback port with its own data directory and
/// settings given the standard .NET ways (environment variables and command-line switches).
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, int port, int webPort, string dataDirectory, string keyFile, TempDirectory? ownData)
    {
        _process = process;
        Port = port;
        WebPort = webPort;
        DataDirectory = dataDirectory;
        KeyFile = keyFile;
        _ownData = ownData;
    }

    /// <summary>The data directory this process made for itself and deletes at dispose; null when the test gave one.</summary>
    private readonly TempDirectory? _ownData;

    public int Port { get; }
    public int WebPort { get; }
    public Uri WebBase => new($"http://127.0.0.1:{WebPort}");
    public string DataDirectory { get; }
    public string BlobDirectory => Path.Combine(DataDirectory, "blobs");
    public string DatabasePath => Path.Combine(DataDirectory, "gateway.db");

    /// <summary>Shipments:GatewayKeyFile as given to the process (Shipments:GatewayKey or a credential, when set, take precedence).</summary>
    public string KeyFile { get; }

    /// <summary>
    /// The key file a gateway on <paramref name="dataDirectory"/> gets unless the test names one: beside the data
    /// directory, never in it, and the same on every restart.
    /// </summary>
    public static string KeyFileFor(string dataDirectory) => Path.TrimEndingDirectorySeparator(dataDirectory) + ".gateway.key";

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
    public Task<bool> WaitForOutputAsync(string text) =>
        Eventually.TrueAsync(() => Output.Contains(text, StringComparison.Ordinal), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

    /// <summary>Starts the process and collects its output; see <see cref="StartAsync"/> for the settings.</summary>
    private static GatewayProcess Launch(IDictionary<string, string>? environment = null, IEnumerable<string>? args = null,
        string? dataDirectory = null, int? port = null, string? keyFile = null, IEnumerable<string>? command = null)
    {
        port ??= LoopbackPort.Free();
        var webPort = LoopbackPort.Free();
        var ownData = dataDirectory is null ? new TempDirectory("gw-test-") : null;
        var data = dataDirectory ?? Path.Combine(ownData!.Path, "data");
        keyFile ??= KeyFileFor(data);
        var exe = Path.Combine(AppContext.BaseDirectory, "DicomGateway.dll");
        // env execs dotnet (same process id) with SIGHUP at its default disposition, as systemd starts a service: a test
        // run under nohup would otherwise pass on an ignored SIGHUP, which .NET then keeps ignoring (no certificate reload).
        var psi = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add("--default-signal=HUP");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(exe);
        foreach (var word in command ?? []) psi.ArgumentList.Add(word);
        psi.ArgumentList.Add("--Storage:DataDirectory");
        psi.ArgumentList.Add(data);
        psi.ArgumentList.Add("--Dicom:BindAddress");
        psi.ArgumentList.Add("127.0.0.1");
        psi.ArgumentList.Add("--Web:Urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{webPort}");
        psi.ArgumentList.Add("--Web:PublicBaseUrl");
        psi.ArgumentList.Add($"http://127.0.0.1:{webPort}");
        psi.ArgumentList.Add("--Shipments:GatewayKeyFile");
        psi.ArgumentList.Add(keyFile);
        foreach (var a in args ?? []) psi.ArgumentList.Add(a);
        psi.Environment["Dicom__Port"] = port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Every test client comes from 127.0.0.1, and many tests sign in or unlock more often than a person would; a test
        // of the limits sets its own (Web__RateLimits__...), which the loop below applies over these.
        foreach (var limit in new[] { "Unlock", "CodeResend", "SignIn" })
            psi.Environment[$"Web__RateLimits__{limit}__PermitLimit"] = "100000";
        // The default free-space threshold (1 GiB) is for a server; a test machine may have less, and a test of the
        // threshold sets its own.
        psi.Environment["Storage__MinimumFreeBytes"] = "16777216";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the gateway");
        var gw = new GatewayProcess(process, port.Value, webPort, data, keyFile, ownData);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gw._output) gw._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gw._output) gw._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gw;
    }

    /// <summary>Starts the gateway with settings that must stop it at start; its exit code and output (see <see cref="RunUntilExitAsync"/>).</summary>
    public static Task<(int ExitCode, string Output)> StartExpectingExitAsync(IDictionary<string, string>? environment = null, IEnumerable<string>? args = null,
        string? dataDirectory = null) => RunUntilExitAsync(environment, args, dataDirectory);

    /// <summary>
    /// Starts the gateway and waits (up to 60 s) for it to exit by itself, as a gateway that refuses to start does;
    /// the exit code and everything it wrote. A gateway still running after the wait is killed and the test fails.
    /// </summary>
    /// <param name="command">Words given before the settings, e.g. <c>backup &lt;target-dir&gt;</c>.</param>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(IDictionary<string, string>? environment = null, IEnumerable<string>? args = null,
        string? dataDirectory = null, string? keyFile = null, IEnumerable<string>? command = null)
    {
        await using var gw = Launch(environment, args, dataDirectory, null, keyFile, command);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await gw._process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("the gateway did not exit within 60 s:\n" + gw.Output);
        }
        return (gw._process.ExitCode, gw.Output);
    }

    /// <summary>
    /// Starts the gateway with its DICOM port and web port free on loopback. With <paramref name="dataDirectory"/>
    /// it reuses that directory (a restart) and leaves it in place at dispose; otherwise it makes and deletes its own.
    /// The gateway key file is <paramref name="keyFile"/>, by default <see cref="KeyFileFor"/> the data directory.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(IDictionary<string, string>? environment = null, IEnumerable<string>? args = null,
        string? dataDirectory = null, int? port = null, string? keyFile = null)
    {
        // A free port is only free when it is looked at: a concurrent test's connection may take it before the gateway
        // binds it. Such a start is tried again on other ports (when the test did not choose the DICOM port), a few times.
        for (var attempt = 1; ; attempt++)
        {
            var gw = Launch(environment, args, dataDirectory, port, keyFile);
            var process = gw._process;

            var listening = await Eventually.TrueAsync(() => process.HasExited || gw.IsListening, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // drains the redirected output, so the message below has it all
                var output = gw.Output;
                await gw.DisposeAsync();
                if (port is null && attempt < 3 && output.Contains("Address already in use", StringComparison.Ordinal)) continue;
                throw new InvalidOperationException("the gateway exited at start:\n" + output);
            }
            if (listening) return gw;
            await gw.DisposeAsync();
            throw new TimeoutException("the gateway did not start listening within 30 s:\n" + gw.Output);
        }
    }

    private bool IsListening =>
        Output.Contains("listening on", StringComparison.Ordinal) && Output.Contains("Application started", StringComparison.Ordinal);

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
        _ownData?.Dispose();
    }
}
