namespace DicomGateway.Tests.Support;

/// <summary>A fresh directory under the system temp directory, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory(string prefix = "dgw-test-") : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>A subdirectory, created if it does not exist yet.</summary>
    public string Subdirectory(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Path, name)).FullName;

    public void Dispose()
    {
        // A peer process that is still exiting may hold a file; a leftover temp directory must not fail the test.
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
