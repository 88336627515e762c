using System.Diagnostics;
using System.Globalization;
using DicomGateway.Tests.Support;

namespace Gateway.Tests.Support;

/// <summary>One message as the real rsyslog parsed it (RFC 5424 fields) and wrote it to its file.</summary>
internal sealed record ReceivedSyslog(int Priority, string Version, string AppName, string MsgId, string StructuredData, string Message);

/// <summary>
/// Debian's rsyslogd as an audit record repository on 127.0.0.1: TLS (imtcp with the gtls driver, octet-counted
/// frames, RFC 5425) or UDP (imudp, RFC 5426), run in the foreground with its own work directory, writing every
/// message it receives, field by field, to a file. <see cref="StopAsync"/> and <see cref="StartAsync"/> take it down
/// and bring it back on the same port, as a repository's outage.
/// </summary>
internal sealed class RsyslogPeer : IAsyncDisposable
{
    private const char Separator = '\u001f';

    private readonly TempDirectory _directory = new("dgw-rsyslog-");
    private Process? _process;

    private RsyslogPeer(int port) => Port = port;

    public int Port { get; }

    private string OutputFile => Path.Combine(_directory.Path, "received.log");

    private string ConfigFile => Path.Combine(_directory.Path, "rsyslog.conf");

    /// <summary>Starts rsyslog over TLS with <paramref name="server"/> as its certificate; clients are not asked for one.</summary>
    public static Task<RsyslogPeer> StartTlsAsync(string caFile, PemPair server) => StartAsync(tls: (caFile, server));

    public static Task<RsyslogPeer> StartUdpAsync() => StartAsync(tls: null);

    private static async Task<RsyslogPeer> StartAsync((string CaFile, PemPair Server)? tls)
    {
        var peer = new RsyslogPeer(LoopbackPort.Free());
        var work = Path.Combine(peer._directory.Path, "work");
        Directory.CreateDirectory(work);
        var input = tls is { } t
            ? $"""
               global(workDirectory="{work}" maxMessageSize="64k" defaultNetstreamDriver="gtls"
                      defaultNetstreamDriverCAFile="{t.CaFile}" defaultNetstreamDriverCertFile="{t.Server.CertificateFile}"
                      defaultNetstreamDriverKeyFile="{t.Server.KeyFile}")
               module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
               input(type="imtcp" address="127.0.0.1" port="{peer.Port}")
               """
            : $"""
               global(workDirectory="{work}" maxMessageSize="64k")
               module(load="imudp")
               input(type="imudp" address="127.0.0.1" port="{peer.Port}")
               """;
        var s = Separator.ToString();
        await File.WriteAllTextAsync(peer.ConfigFile, $"""
            {input}
            template(name="fields" type="string" string="%pri%{s}%protocol-version%{s}%app-name%{s}%msgid%{s}%structured-data%{s}%msg%\n")
            action(type="omfile" file="{peer.OutputFile}" template="fields")
            """);
        await peer.StartAsync();
        return peer;
    }

    /// <summary>Starts rsyslogd (again) on the same port and waits until it listens (for UDP: a short settling wait).</summary>
    public async Task StartAsync()
    {
        if (_process is not null) throw new InvalidOperationException("rsyslogd is already running");
        var start = new ProcessStartInfo("rsyslogd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-n", "-f", ConfigFile, "-i", Path.Combine(_directory.Path, "rsyslogd.pid") }) start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException("rsyslogd did not start; ./test.sh installs rsyslog and rsyslog-gnutls");
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        if (File.ReadAllText(ConfigFile).Contains("imtcp", StringComparison.Ordinal))
        {
            if (!await LoopbackPort.WaitUntilListeningAsync(Port, TimeSpan.FromSeconds(20), () => _process.HasExited))
                throw new InvalidOperationException($"rsyslogd does not listen on {Port} (exited: {_process.HasExited})");
        }
        else
        {
            await Eventually.WaitAsync(() => UdpBound() || _process.HasExited, "rsyslogd binds its UDP port", TimeSpan.FromSeconds(20));
            if (_process.HasExited) throw new InvalidOperationException("rsyslogd exited at start");
        }
    }

    private bool UdpBound() =>
        System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties().GetActiveUdpListeners().Any(e => e.Port == Port);

    /// <summary>SIGTERM and wait: rsyslog closes its connections and writes what it received.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>Every message written so far, in the order received.</summary>
    public IReadOnlyList<ReceivedSyslog> Received()
    {
        if (!File.Exists(OutputFile)) return [];
        using var stream = new FileStream(OutputFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return [.. lines.Select(line =>
        {
            var f = line.Split(Separator, 6);
            if (f.Length != 6) throw new FormatException("rsyslog wrote an unexpected line: " + line);
            return new ReceivedSyslog(int.Parse(f[0], CultureInfo.InvariantCulture), f[1], f[2], f[3], f[4], f[5]);
        })];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _directory.Dispose();
    }
}
