namespace DicomKit.Tests.Interop;

/// <summary>Finds the repository and the corpus built by TestData/make-corpus.sh, failing loudly when it is missing.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string CorpusDirectory
    {
        get
        {
            var dir = Path.Combine(RepoRoot, "TestData", "corpus");
            if (!File.Exists(Path.Combine(dir, ".built")))
                throw new InvalidOperationException(
                    $"The DICOM test corpus is missing at {dir}. Build it with TestData/make-corpus.sh (./test.sh does this).");
            return dir;
        }
    }

    /// <summary>Every corpus file, by name relative to the corpus directory (for readable theory names).</summary>
    public static IEnumerable<string> CorpusFiles() =>
        Directory.EnumerateFiles(CorpusDirectory, "*.dcm").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    public static string Corpus(string name) => Path.Combine(CorpusDirectory, name);

    /// <summary>A fresh scratch directory under the test output, removed by the caller when wanted.</summary>
    public static string NewScratchDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dicomkit-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DicomGateway.sln"))) return dir.FullName;
        throw new InvalidOperationException($"DicomGateway.sln was not found above {AppContext.BaseDirectory}.");
    }
}
