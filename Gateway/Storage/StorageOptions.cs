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

    /// <summary>
    /// Free bytes the data directory's file system must keep. Below this (or below <see cref="MinimumFreePercent"/>,
    /// whichever is larger) new storing associations are refused and C-STORE is answered Out of Resources (0xA700), so
    /// the database and the queues always have room. 0 disables the byte threshold.
    /// </summary>
    public long MinimumFreeBytes { get; set; } = 1L << 30;

    /// <summary>Free space the file system must keep as a percentage of its size (0 to 50); 0 disables it.</summary>
    public double MinimumFreePercent { get; set; }

    /// <summary>The threshold in bytes on a file system of <paramref name="totalBytes"/>.</summary>
    public long ThresholdFor(long totalBytes) => Math.Max(MinimumFreeBytes, (long)(totalBytes * MinimumFreePercent / 100));

    /// <summary>The values a configuration file could get wrong, one message per problem.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
            yield return "Storage:DataDirectory must name a directory";
        if (MinimumFreeBytes < 0)
            yield return "Storage:MinimumFreeBytes must be 0 or more";
        if (double.IsNaN(MinimumFreePercent) || MinimumFreePercent is < 0 or > 50)
            yield return "Storage:MinimumFreePercent must be 0 to 50";
    }
}
