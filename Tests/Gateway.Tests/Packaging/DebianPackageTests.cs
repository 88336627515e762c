using System.Diagnostics;
using System.Globalization;
using System.Text;
using DicomGateway.Tests.Support;
using Gateway.Tests.Support;

namespace Gateway.Tests.Packaging;

/// <summary>
/// The Debian package as an administrator installs it (docs/install.md): built by packaging/build-deb.sh, installed
/// by the real dpkg into a temporary root, its unit checked by systemd-analyze, and the installed gateway run as the
/// service user with the installed layout and systemd's notification protocol. The tests run as root, as CI does
/// (dpkg, the service user and setpriv need it).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DebianPackageTests : IDisposable
{
    private const string ServiceUser = "dicomgateway";
    private readonly TempDirectory _temp = new("gw-deb-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Package_has_the_layout_conffile_and_control_fields_docs_install_md_describes()
    {
        var deb = await DebianPackage.BuildAsync("1.0");

        var files = await DebianPackage.FilesAsync(deb);
        files.Should().Contain(["usr/lib/dicomgateway/DicomGateway.dll", "usr/lib/dicomgateway/wwwroot/index.html", "usr/lib/dicomgateway/wwwroot/admin.html",
            "etc/dicomgateway/appsettings.json", "usr/lib/systemd/system/dicomgateway.service"]);
        files.Should().NotContain(f => f.StartsWith("usr/lib/dicomgateway/appsettings", StringComparison.Ordinal), "the configuration is in /etc only");
        files.Should().NotContain(f => f.StartsWith("var/lib/dicomgateway", StringComparison.Ordinal) || f.EndsWith(".key", StringComparison.Ordinal),
            "the data directory is made by postinst and the key never ships");

        var control = await DebianPackage.ControlAsync(deb);
        control["Package"].Should().Be("dicomgateway");
        control["Version"].Should().Be("1.0");
        control["Depends"].Should().Contain("aspnetcore-runtime-10.0");
        (await DebianPackage.ControlFileAsync(deb, "conffiles", _temp)).Trim().Should().Be("/etc/dicomgateway/appsettings.json");
        (await ExtractedConfigAsync(deb)).Should().Be(File.ReadAllText(RepositoryRoot.Combine("appsettings.json")), "the package ships the repository's appsettings.json");
    }

    [Fact]
    public async Task Unit_passes_systemd_analyze_verify()
    {
        var unit = RepositoryRoot.Combine("packaging", "dicomgateway.service");
        var result = await ExternalTool.RunAsync("systemd-analyze", "verify", unit);
        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().NotContain("dicomgateway.service:", "verify warns about nothing in the unit: " + result.Output);
        var text = File.ReadAllText(unit);
        text.Should().ContainAll("Type=notify", "WatchdogSec=", "ProtectSystem=strict", "ReadWritePaths=/var/lib/dicomgateway", "NoNewPrivileges=yes",
            "PrivateTmp=yes", "ProtectHome=yes", "AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "Restart=on-failure",
            "LoadCredential=gateway-key:/etc/dicomgateway/gateway.key", "User=dicomgateway");
    }

    [Fact]
    public async Task Installed_gateway_runs_as_the_service_user_notifies_systemd_answers_and_writes_only_its_data_directory()
    {
        var deb = await DebianPackage.BuildAsync("1.0");
        var root = DebianPackage.NewRoot(_temp);
        await DebianPackage.InstallAsync(root, deb);
        var data = Path.Combine(root, "var", "lib", "dicomgateway");
        var etc = Path.Combine(root, "etc", "dicomgateway");
        File.Exists(Path.Combine(etc, "gateway.key")).Should().BeTrue("postinst makes the key");
        File.GetUnixFileMode(Path.Combine(etc, "gateway.key")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var before = Snapshot(root, except: data);

        using var notify = new SystemdNotifySocket();
        var dicomPort = LoopbackPort.Free();
        var webPort = LoopbackPort.Free();
        await using var gateway = InstalledGateway.Start(root, notify.Path, dicomPort, webPort, _temp);

        (await notify.WaitForAsync("READY=1", TimeSpan.FromSeconds(60))).Should().BeTrue("the service says it is ready:\n" + gateway.Output);
        // READY=1 promises both ports: no retry here.
        var echo = await ExternalTool.RunAsync("echoscu", "-to", "10", "-aec", "DICOMGATEWAY", "127.0.0.1", dicomPort.ToString(CultureInfo.InvariantCulture));
        echo.ExitCode.Should().Be(0, echo.Output + gateway.Output);
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            var page = await http.GetAsync(new Uri($"http://127.0.0.1:{webPort}/"));
            page.IsSuccessStatusCode.Should().BeTrue(gateway.Output);
        }
        (await Eventually.TrueAsync(() => notify.Count("WATCHDOG=1") >= 2, TimeSpan.FromSeconds(10))).Should().BeTrue("WatchdogSec is honoured");

        (await gateway.TerminateAsync()).Should().Be(0, gateway.Output);
        notify.Messages.Should().Contain("STOPPING=1");

        File.Exists(Path.Combine(data, "gateway.db")).Should().BeTrue("the database is in the data directory");
        Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Should().OnlyContain(f => OwnedBy(f, ServiceUser));
        Snapshot(root, except: data).Should().BeEquivalentTo(before, "the gateway writes only its data directory");
        var lines = gateway.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().Contain(l => l.StartsWith("<6>", StringComparison.Ordinal), "log lines carry journald's priority prefix");
        lines.Where(l => l.Contains("|INFO|", StringComparison.Ordinal)).Should().OnlyContain(l => l.StartsWith("<6>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Upgrade_keeps_the_administrators_settings_the_data_and_the_key()
    {
        var first = await DebianPackage.BuildAsync("1.0");
        var second = await DebianPackage.BuildAsync("1.1");
        var root = DebianPackage.NewRoot(_temp);
        await DebianPackage.InstallAsync(root, first);
        var config = Path.Combine(root, "etc", "dicomgateway", "appsettings.json");
        var keyFile = Path.Combine(root, "etc", "dicomgateway", "gateway.key");
        var edited = File.ReadAllText(config).Replace("\"AeTitle\": \"DICOMGATEWAY\"", "\"AeTitle\": \"HOSPITALGW\"", StringComparison.Ordinal);
        File.WriteAllText(config, edited);
        var study = Path.Combine(root, "var", "lib", "dicomgateway", "blobs", "kept.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(study)!);
        File.WriteAllBytes(study, [1, 2, 3]);
        var key = File.ReadAllText(keyFile);

        var upgrade = await DebianPackage.InstallAsync(root, second);

        File.ReadAllText(config).Should().Be(edited, upgrade.Output);
        File.ReadAllBytes(study).Should().Equal([1, 2, 3]);
        File.ReadAllText(keyFile).Should().Be(key, "an upgrade never makes a new key");
        (await ExternalTool.RunAsync("dpkg-query", "--admindir=" + Path.Combine(root, "var", "lib", "dpkg"), "-W", "-f=${Version}", "dicomgateway"))
            .StandardOutput.Trim().Should().Be("1.1");
    }

    [Fact]
    public async Task Purge_removes_the_data_directory_and_keeps_the_key()
    {
        var deb = await DebianPackage.BuildAsync("1.0");
        var root = DebianPackage.NewRoot(_temp);
        await DebianPackage.InstallAsync(root, deb);
        var keyFile = Path.Combine(root, "etc", "dicomgateway", "gateway.key");

        var remove = await ExternalTool.RunAsync("dpkg", ["--root=" + root, "--force-script-chrootless", "--force-depends", "--remove", "dicomgateway"], ExternalTool.LongTimeout);
        remove.ExitCode.Should().Be(0, remove.Output);
        Directory.Exists(Path.Combine(root, "var", "lib", "dicomgateway")).Should().BeTrue("remove keeps the data");
        File.Exists(Path.Combine(root, "usr", "lib", "dicomgateway", "DicomGateway.dll")).Should().BeFalse();

        var purge = await ExternalTool.RunAsync("dpkg", ["--root=" + root, "--force-script-chrootless", "--force-depends", "--purge", "dicomgateway"], ExternalTool.LongTimeout);
        purge.ExitCode.Should().Be(0, purge.Output);
        Directory.Exists(Path.Combine(root, "var", "lib", "dicomgateway")).Should().BeFalse("purge removes the data");
        File.Exists(keyFile).Should().BeTrue("the key is never removed silently");
        purge.Output.Should().Contain("gateway key stays");
        File.Exists(Path.Combine(root, "etc", "dicomgateway", "appsettings.json")).Should().BeFalse("purge removes the configuration");
    }

    private async Task<string> ExtractedConfigAsync(string deb)
    {
        var dir = _temp.Subdirectory("x-" + Guid.NewGuid().ToString("N"));
        (await ExternalTool.RunAsync("dpkg-deb", "-x", deb, dir)).ThrowIfFailed();
        return File.ReadAllText(Path.Combine(dir, "etc", "dicomgateway", "appsettings.json"));
    }

    private static bool OwnedBy(string path, string user)
    {
        var result = ExternalTool.Run("stat", "-c", "%U", path);
        return result.StandardOutput.Trim() == user;
    }

    private static Dictionary<string, (long Length, DateTime Written)> Snapshot(string root, string except) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(except + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .ToDictionary(f => f, f => (new FileInfo(f).Length, File.GetLastWriteTimeUtc(f)));

    /// <summary>The installed gateway started as the unit starts it: service user, working directory, environment, credential.</summary>
    private sealed class InstalledGateway : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private InstalledGateway(Process process) => _process = process;

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public static InstalledGateway Start(string root, string notifySocket, int dicomPort, int webPort, TempDirectory temp)
        {
            // systemd copies the credential into a directory only the service can read; so does this.
            var credentials = temp.Subdirectory("credentials");
            File.Copy(Path.Combine(root, "etc", "dicomgateway", "gateway.key"), Path.Combine(credentials, "gateway-key"));
            ExternalTool.Run("chown", "-R", ServiceUser, credentials).ThrowIfFailed();

            var data = Path.Combine(root, "var", "lib", "dicomgateway");
            var psi = new ProcessStartInfo("setpriv")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.Combine(root, "etc", "dicomgateway"),
            };
            foreach (var a in new[] { "--reuid=" + ServiceUser, "--regid=" + ServiceUser, "--init-groups", "--no-new-privs", "--",
                         "/usr/bin/dotnet", Path.Combine(root, "usr", "lib", "dicomgateway", "DicomGateway.dll") })
                psi.ArgumentList.Add(a);
            psi.Environment["Storage__DataDirectory"] = data;
            psi.Environment["HOME"] = data;
            psi.Environment["CREDENTIALS_DIRECTORY"] = credentials;
            psi.Environment["NOTIFY_SOCKET"] = notifySocket;
            psi.Environment["WATCHDOG_USEC"] = "1000000";
            psi.Environment["JOURNAL_STREAM"] = "8:12345";
            psi.Environment["Dicom__Port"] = dicomPort.ToString(CultureInfo.InvariantCulture);
            psi.Environment["Dicom__BindAddress"] = "127.0.0.1";
            psi.Environment["Web__Urls"] = $"http://127.0.0.1:{webPort}";
            psi.Environment["Web__PublicBaseUrl"] = $"http://127.0.0.1:{webPort}";
            var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the installed gateway");
            var gw = new InstalledGateway(process);
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gw._output) gw._output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gw._output) gw._output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return gw;
        }

        /// <summary>SIGTERM, as systemctl stop sends; the exit code (bounded wait).</summary>
        public async Task<int> TerminateAsync()
        {
            ExternalTool.Run("kill", "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)).ThrowIfFailed();
            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
            _process.Dispose();
        }
    }
}
