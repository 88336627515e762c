using System.Text.RegularExpressions;
using DicomGateway.Tests.Support;

namespace Gateway.Tests.Packaging;

/// <summary>
/// The .deb that packaging/build-deb.sh makes from the Release build (its --no-build mode), and installs of it into
/// temporary roots with the real dpkg (--root, maintainer scripts run chrootless with $DPKG_ROOT).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static partial class DebianPackage
{
    private static readonly SemaphoreSlim BuildLock = new(1, 1);
    private static readonly Dictionary<string, string> Built = [];

    /// <summary>Where the packages are built: once per version for the whole test run (about 10 s each).</summary>
    private static readonly string Output = Directory.CreateTempSubdirectory("gw-debs-").FullName;

    static DebianPackage() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(Output, recursive: true);

    /// <summary>The package with <paramref name="version"/>, built on first use; the .deb's path (tests only read it).</summary>
    public static async Task<string> BuildAsync(string version)
    {
        await BuildLock.WaitAsync();
        try
        {
            if (Built.TryGetValue(version, out var done)) return done;
            var output = Path.Combine(Output, version);
            var result = await ExternalTool.RunAsync(RepositoryRoot.Combine("packaging", "build-deb.sh"),
                ["--no-build", "--version", version, "--output", output], ExternalTool.LongTimeout, RepositoryRoot.Path);
            result.ThrowIfFailed();
            var deb = result.StandardOutput.Trim().Split('\n')[^1];
            return Built[version] = Path.IsPathRooted(deb) ? deb : RepositoryRoot.Combine(deb);
        }
        finally
        {
            BuildLock.Release();
        }
    }

    /// <summary>An empty root with its own dpkg database, traversable by the service user as / is.</summary>
    public static string NewRoot(TempDirectory temp)
    {
        File.SetUnixFileMode(temp.Path, (UnixFileMode)0x1ED); // 0755
        var root = temp.Subdirectory("root");
        File.SetUnixFileMode(root, (UnixFileMode)0x1ED);
        Directory.CreateDirectory(Path.Combine(root, "var", "lib", "dpkg", "info"));
        Directory.CreateDirectory(Path.Combine(root, "var", "lib", "dpkg", "updates"));
        File.WriteAllText(Path.Combine(root, "var", "lib", "dpkg", "status"), "");
        return root;
    }

    /// <summary>
    /// dpkg -i into <paramref name="root"/>. The runtime (aspnetcore-runtime-10.0) is the machine's, not the root's,
    /// so dependencies are not checked there; stdin is closed, so a conffile question would fail the install.
    /// </summary>
    public static async Task<ToolResult> InstallAsync(string root, string deb) =>
        (await ExternalTool.RunAsync("dpkg", ["--root=" + root, "--force-script-chrootless", "--force-depends", "-i", deb],
            ExternalTool.LongTimeout)).ThrowIfFailed();

    /// <summary>The control fields (dpkg-deb -f).</summary>
    public static async Task<Dictionary<string, string>> ControlAsync(string deb)
    {
        var text = (await ExternalTool.RunAsync("dpkg-deb", "-f", deb)).ThrowIfFailed().StandardOutput;
        return FieldLine().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
    }

    /// <summary>Paths in the data archive, without the leading "./" (directories end with "/").</summary>
    public static async Task<List<string>> FilesAsync(string deb)
    {
        var text = (await ExternalTool.RunAsync("dpkg-deb", "-c", deb)).ThrowIfFailed().StandardOutput;
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.IndexOf("./", StringComparison.Ordinal) + 2)..].Split(" -> ")[0])];
    }

    /// <summary>The text of one control-archive member (conffiles, postinst...).</summary>
    public static async Task<string> ControlFileAsync(string deb, string name, TempDirectory temp)
    {
        var dir = Path.Combine(temp.Path, "control-" + Guid.NewGuid().ToString("N"));
        (await ExternalTool.RunAsync("dpkg-deb", "-e", deb, dir)).ThrowIfFailed();
        return File.ReadAllText(Path.Combine(dir, name));
    }

    [GeneratedRegex(@"^([A-Za-z-]+): (.*)$", RegexOptions.Multiline)]
    private static partial Regex FieldLine();
}
