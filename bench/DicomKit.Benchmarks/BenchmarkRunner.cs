using System.Globalization;

namespace DicomKit.Benchmarks;

/// <summary>
/// The <c>run</c> command: DicomKit's <c>parse</c> against DCMTK's <c>dcmdump -q -M</c> on the same files, each a
/// separate process so that start-up counts on both sides, alternating which goes first in every round.
/// </summary>
internal sealed class BenchmarkRunner(string outDirectory, int repeats, int slices, int frames)
{
    private sealed record Case(string Name, IReadOnlyList<string> Files);

    private sealed record Tool(string Name, Func<IReadOnlyList<string>, IReadOnlyList<string>> Command, bool ReportsInProcessTime);

    private sealed class Samples
    {
        public List<double> WallMs { get; } = [];
        public List<double> RssKb { get; } = [];
        public List<double> InProcessMs { get; } = [];
        public List<double> TagsInitMs { get; } = [];
    }

    public int Run()
    {
        foreach (var needed in new[] { "dcmdump", ProcessMeasurement.GnuTimePath })
        {
            if (!ProcessMeasurement.IsAvailable(needed))
            {
                Console.Error.WriteLine($"{needed} is missing: apt-get install -y dcmtk time");
                return 2;
            }
        }
#if DEBUG
        Console.Error.WriteLine("Warning: a Debug build; run with -c Release for figures worth reporting.");
#endif
        var corpus = BenchCorpus.Ensure(outDirectory, slices, frames);
        var cases = new[]
        {
            new Case($"CT series, {slices} files of 512x512x16", corpus.CtSlices),
            new Case($"Multi-frame, {frames} frames, {new FileInfo(corpus.MultiFrame).Length / (1024.0 * 1024 * 1024):F2} GiB", [corpus.MultiFrame]),
            new Case("start-up only (no file)", []),
        };
        var self = SelfCommand();
        var ours = new Tool("DicomKit", files => [.. self, "parse", .. files], true);
        var dcmdump = new Tool("dcmdump", files => ["dcmdump", "-q", "-M", .. files], false);

        var results = new Dictionary<(string, string), Samples>();
        Console.WriteLine($"Warm-up round, then {repeats} measured rounds ...");
        for (var round = -1; round < repeats; round++)
        {
            foreach (var c in cases)
            {
                // Alternate the order so neither tool always runs right after the other has warmed the cache.
                var order = round % 2 == 0 ? new[] { ours, dcmdump } : [dcmdump, ours];
                foreach (var tool in order)
                {
                    if (c.Files.Count == 0 && tool == dcmdump) continue; // dcmdump needs a file
                    var sample = ProcessMeasurement.Run(tool.Command(c.Files), keepOutput: tool.ReportsInProcessTime);
                    if (round < 0) continue;
                    var s = results.TryGetValue((c.Name, tool.Name), out var existing) ? existing : results[(c.Name, tool.Name)] = new Samples();
                    s.WallMs.Add(sample.Wall.TotalMilliseconds);
                    s.RssKb.Add(sample.PeakRssKilobytes);
                    if (tool.ReportsInProcessTime)
                    {
                        var fields = ParseFields(sample.Output);
                        s.InProcessMs.Add(double.Parse(fields["elapsed_ms"], CultureInfo.InvariantCulture));
                        s.TagsInitMs.Add(double.Parse(fields["tags_init_ms"], CultureInfo.InvariantCulture));
                        CheckHeaderOnly(c, fields);
                    }
                }
            }
            if (round >= 0) Console.WriteLine($"  round {round + 1}/{repeats} done");
        }

        PrintTable(cases, [ours, dcmdump], results);
        return 0;
    }

    /// <summary>Refuses figures from a run where DicomKit loaded pixel data: then it would not be a header parse.</summary>
    private static void CheckHeaderOnly(Case c, Dictionary<string, string> fields)
    {
        if (fields.TryGetValue("pixel_data_in_memory", out var n) && n != "0")
            throw new InvalidOperationException($"{c.Name}: {n} files had their pixel data loaded into memory.");
    }

    private void PrintTable(Case[] cases, Tool[] tools, Dictionary<(string, string), Samples> results)
    {
        Console.WriteLine();
        Console.WriteLine($"{DcmtkVersion()} vs DicomKit, {repeats} rounds, medians (min-max); {Environment.ProcessorCount} cores");
        Console.WriteLine("dcmdump: one process, `dcmdump -q -M <files> > /dev/null`; DicomKit: one process, `parse <files>`");
        Console.WriteLine();
        Console.WriteLine("| case | tool | wall ms | peak RSS MB | in-process ms | of which Tags init ms |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var c in cases)
        {
            foreach (var t in tools)
            {
                if (!results.TryGetValue((c.Name, t.Name), out var s)) continue;
                var inProc = s.InProcessMs.Count > 0 ? Fmt(Median(s.InProcessMs)) : "-";
                var tagsInit = s.TagsInitMs.Count > 0 ? Fmt(Median(s.TagsInitMs)) : "-";
                Console.WriteLine($"| {c.Name} | {t.Name} | {Fmt(Median(s.WallMs))} ({Fmt(s.WallMs.Min())}-{Fmt(s.WallMs.Max())}) | {Median(s.RssKb) / 1024:F1} | {inProc} | {tagsInit} |");
            }
            if (results.TryGetValue((c.Name, tools[0].Name), out var a) && results.TryGetValue((c.Name, tools[1].Name), out var b))
            {
                Console.WriteLine($"| {c.Name} | ratio {tools[0].Name}/{tools[1].Name} | {Median(a.WallMs) / Median(b.WallMs):F2}x | {Median(a.RssKb) / Median(b.RssKb):F2}x | | |");
            }
        }
    }

    private static string Fmt(double ms) => ms.ToString("F0", CultureInfo.InvariantCulture);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static Dictionary<string, string> ParseFields(string output)
    {
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        return last.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
    }

    private static string DcmtkVersion()
    {
        try
        {
            var sample = ProcessMeasurement.Run(["dcmdump", "--version"], keepOutput: true);
            var line = sample.Output.Split('\n').FirstOrDefault(l => l.StartsWith("$dcmtk:", StringComparison.Ordinal));
            return line is null ? "dcmdump" : "DCMTK " + line.Replace("$dcmtk:", "", StringComparison.Ordinal).Trim(' ', '$');
        }
        catch (InvalidOperationException)
        {
            return "dcmdump";
        }
    }

    /// <summary>This program, started again as a child: the apphost when there is one, else <c>dotnet</c> and the dll.</summary>
    private static string[] SelfCommand()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [process, typeof(BenchmarkRunner).Assembly.Location]
            : [process];
    }
}
