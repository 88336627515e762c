namespace DicomKit.Tests.Interop;

/// <summary>Finds the corpus built by TestData/make-corpus.sh and pydicom's files, failing loudly when they are missing.</summary>
internal static class TestPaths
{
    public static string CorpusDirectory
    {
        get
        {
            var dir = RepositoryRoot.Combine("TestData", "corpus");
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

    /// <summary>
    /// The real-world files Debian's python3-pydicom ships (read in place, never copied into the repository):
    /// the fixed Debian path, else wherever a python3 that can import pydicom finds them.
    /// </summary>
    public static string PydicomDataDirectory => PydicomData.Value;

    // Lazy, so a missing package fails the tests that need it and not every user of TestPaths.
    private static readonly Lazy<string> PydicomData = new(FindPydicomData);

    private static string FindPydicomData()
    {
        const string debian = "/usr/lib/python3/dist-packages/pydicom/data";
        if (Directory.Exists(Path.Combine(debian, "test_files"))) return debian;
        foreach (var python in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var r = ExternalTool.Run(python, "-c", "import pydicom.data, os; print(os.path.dirname(pydicom.data.__file__))");
                var dir = r.StandardOutput.Trim();
                if (r.ExitCode == 0 && Directory.Exists(Path.Combine(dir, "test_files"))) return dir;
            }
            catch (InvalidOperationException)
            {
                // that python3 is not installed; try the next
            }
        }
        throw new InvalidOperationException(
            $"pydicom's data files are missing (looked at {debian} and asked python3). Install them with apt-get install python3-pydicom (./test.sh does this).");
    }
}
