using System.Globalization;

namespace DicomKit.Benchmarks;

/// <summary>
/// Header-parsing benchmark of DicomKit against DCMTK's dcmdump (issue #2). Subcommands:
/// <c>generate [dir]</c>, <c>parse &lt;files...&gt;</c>, <c>run [--repeats N] [--out dir]</c>.
/// </summary>
internal static class Program
{
    private const int DefaultSlices = 300;
    private const int DefaultFrames = 2048;

    public static int Main(string[] args)
    {
        if (args.Length == 0) return Usage();
        var rest = args[1..];
        switch (args[0])
        {
            case "generate":
            {
                var dir = Positional(rest) ?? DefaultOutDirectory();
                BenchCorpus.Ensure(dir, Option(rest, "--slices", DefaultSlices), Option(rest, "--frames", DefaultFrames), force: rest.Contains("--force"));
                return 0;
            }
            case "parse":
                return HeaderParser.Run(rest);
            case "run":
            {
                var dir = OptionString(rest, "--out") ?? DefaultOutDirectory();
                return new BenchmarkRunner(dir, Option(rest, "--repeats", 5), Option(rest, "--slices", DefaultSlices), Option(rest, "--frames", DefaultFrames)).Run();
            }
            default:
                return Usage();
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("""
            usage: DicomKit.Benchmarks generate [dir] [--slices 300] [--frames 2048] [--force]
                   DicomKit.Benchmarks parse <files...>
                   DicomKit.Benchmarks run [--repeats 5] [--out dir] [--slices 300] [--frames 2048]
            Files are generated under bench/out/ unless a directory is given.
            """);
        return 2;
    }

    private static string? Positional(string[] args) =>
        args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : null;

    private static string? OptionString(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Option(string[] args, string name, int fallback) =>
        OptionString(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>bench/out of the repository (git-ignored), found from the working directory or the binary.</summary>
    private static string DefaultOutDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DicomGateway.sln")))
                    return Path.Combine(dir.FullName, "bench", "out");
            }
        }
        return Path.Combine(Directory.GetCurrentDirectory(), "bench-out");
    }
}
