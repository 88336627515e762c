namespace DicomKit.Benchmarks;

/// <summary>The generated files, cached in a directory and regenerated when their manifest does not match.</summary>
internal sealed record BenchCorpus(IReadOnlyList<string> CtSlices, string MultiFrame)
{
    private const string Version = "1";

    public static BenchCorpus Ensure(string directory, int slices, int frames, bool force = false)
    {
        var manifest = Path.Combine(directory, "manifest.txt");
        var expected = $"bench-corpus v{Version} slices={slices} frames={frames}";
        var corpus = Layout(directory, slices, frames);
        if (!force && File.Exists(manifest) && File.ReadAllText(manifest).Trim() == expected
            && corpus.CtSlices.All(File.Exists) && File.Exists(corpus.MultiFrame))
        {
            Console.WriteLine($"Using the generated files in {directory}");
            return corpus;
        }

        Directory.CreateDirectory(directory);
        File.Delete(manifest);
        var ctDir = Path.Combine(directory, "ct");
        if (Directory.Exists(ctDir)) Directory.Delete(ctDir, recursive: true);
        Console.Write($"Generating {slices} CT slices in {ctDir} ... ");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        CtSeriesGenerator.Generate(ctDir, slices);
        Console.WriteLine($"{sw.Elapsed.TotalSeconds:F1} s");
        Console.Write($"Generating a {frames}-frame Enhanced CT in {corpus.MultiFrame} ... ");
        sw.Restart();
        EnhancedCtGenerator.Generate(corpus.MultiFrame, frames);
        Console.WriteLine($"{sw.Elapsed.TotalSeconds:F1} s, {new FileInfo(corpus.MultiFrame).Length / (1024.0 * 1024):F0} MiB");
        File.WriteAllText(manifest, expected + "\n");
        return corpus;
    }

    private static BenchCorpus Layout(string directory, int slices, int frames) => new(
        [.. Enumerable.Range(1, slices).Select(i => Path.Combine(directory, "ct", $"CT{i:D4}.dcm"))],
        Path.Combine(directory, "multiframe", $"EnhancedCT-{frames}.dcm"));
}
