namespace Gateway.Tests.Crypto;

internal static class RepositoryRoot
{
    /// <summary>The directory holding DicomGateway.sln, found by walking up from the test binaries.</summary>
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DicomGateway.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("DicomGateway.sln not found above " + AppContext.BaseDirectory);
    }

    public static string VectorsPath => Path.Combine(Find(), "docs", "shipment-vectors.json");
}
