namespace Gateway.Tests;

/// <summary>How the Gateway process lives: what it watches while running, and how it stops.</summary>
public sealed class GatewayHostingTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-src-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_gateway_watches_no_files_so_blob_writes_under_the_content_root_wake_nothing()
    {
        if (!OperatingSystem.IsLinux()) return;
        await using var gw = await GatewayProcess.StartAsync();

        // A file watcher on the content root (appsettings.json reloading) would be recursive, and data/ is under it
        // by default: an inotify descriptor would show among the process's open files.
        var descriptors = Directory.GetFiles($"/proc/{gw.ProcessId}/fd")
            .Select(fd => { try { return File.ResolveLinkTarget(fd, returnFinalTarget: false)?.ToString() ?? ""; } catch (IOException) { return ""; } })
            .ToList();

        descriptors.Should().NotContain(target => target.Contains("inotify", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SIGTERM_after_instances_were_stored_stops_the_gateway_cleanly()
    {
        if (!OperatingSystem.IsLinux()) return;
        var gw = await GatewayProcess.StartAsync();
        await using var _ = gw;
        var files = Enumerable.Range(1, 3).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);

        var exitCode = await gw.TerminateAsync();

        exitCode.Should().Be(0, gw.Output);
        gw.Output.Should().Contain("stopped", "the listener logs that it stopped");
        gw.Output.Should().NotContain("FATAL").And.NotContain("BackgroundService failed").And.NotContain("ObjectDisposedException");
    }
}
