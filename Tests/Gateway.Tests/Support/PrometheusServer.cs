using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using DicomGateway.Tests.Support;

namespace Gateway.Tests.Support;

/// <summary>
/// Debian's Prometheus server on 127.0.0.1, scraping one target every second, its storage in a temporary directory.
/// Installed by ./test.sh (package prometheus).
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _dir;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http;

    private PrometheusServer(Process process, TempDirectory dir, int port)
    {
        _process = process;
        _dir = dir;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) at <paramref name="metricsPath"/> and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string target, string metricsPath = "/metrics", string? bearerToken = null)
    {
        var dir = new TempDirectory("prometheus-");
        var port = LoopbackPort.Free();
        var config = Path.Combine(dir.Path, "prometheus.yml");
        var authorization = bearerToken is null ? "" : $"\n    authorization:\n      credentials: '{bearerToken}'";
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: gateway
                metrics_path: {metricsPath}
                static_configs:
                  - targets: ['{target}']{authorization}
            """);
        var start = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"--config.file={config}");
        start.ArgumentList.Add($"--storage.tsdb.path={dir.Subdirectory("data")}");
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            dir.Dispose();
            throw new InvalidOperationException("prometheus is not installed; ./test.sh installs it (Debian package prometheus).", e);
        }
        var server = new PrometheusServer(process, dir, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var ready = await Eventually.TrueAsync(async () => process.HasExited || await server.IsReadyAsync(), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        if (!ready || process.HasExited)
        {
            var output = server.Output;
            await server.DisposeAsync();
            throw new InvalidOperationException("prometheus did not become ready:\n" + output);
        }
        return server;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await _http.GetAsync(new Uri("/-/ready", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The value of an instant query whose result is one sample, or null when it has none (yet).</summary>
    public async Task<double?> QueryScalarAsync(string expression)
    {
        using var response = await _http.GetAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(expression), UriKind.Relative));
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var result = json.RootElement.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() != 1) return null;
        return double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>The health of the scrape target as Prometheus last saw it ("up", "down", "unknown").</summary>
    public async Task<string?> TargetHealthAsync()
    {
        using var response = await _http.GetAsync(new Uri("/api/v1/targets", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var active = json.RootElement.GetProperty("data").GetProperty("activeTargets");
        return active.GetArrayLength() == 0 ? null : active[0].GetProperty("health").GetString();
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
        _http.Dispose();
        _dir.Dispose();
    }
}
