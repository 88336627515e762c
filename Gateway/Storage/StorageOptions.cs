namespace DicomGateway.Storage;

/// <summary>Where received instances are kept. Bound from the "Storage" section of appsettings.json.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// Root of everything the gateway stores. Relative paths are resolved against the directory that holds
    /// appsettings.json, so `dotnet run --project Gateway` from the repository root uses ./data.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// When true (the default), a C-STORE is answered with success only after the instance's data and its file name
    /// are on disk (fdatasync, rename, fsync of the directory). False answers once the operating system has the
    /// bytes: faster, as DCMTK's storescp does, but a power failure can lose instances the sender was told were
    /// stored. Meant for test systems and benchmarks; the gateway logs a warning at start when it is off.
    /// </summary>
    public bool FlushToDisk { get; set; } = true;
}
