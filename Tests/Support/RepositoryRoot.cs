namespace DicomGateway.Tests.Support;

/// <summary>The checkout the tests run from: the directory holding DicomGateway.sln, found by walking up from the test binaries.</summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    /// <summary>A path inside the repository, e.g. <c>Combine("docs", "conformance.md")</c>.</summary>
    public static string Combine(params string[] relative) => System.IO.Path.Combine([Path, .. relative]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "DicomGateway.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("DicomGateway.sln was not found above " + AppContext.BaseDirectory);
    }
}
