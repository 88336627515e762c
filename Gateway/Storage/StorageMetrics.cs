using System.Diagnostics.Metrics;
using DicomGateway.Hosting;

namespace DicomGateway.Storage;

/// <summary>
/// The free space of the data directory's file system, read when a scrape asks (a statfs call, cheap enough not to cache).
/// </summary>
public sealed class StorageMetrics : IMetricsSource
{
    public const string MeterName = "DicomGateway.Storage";

    public StorageMetrics(IMeterFactory meters, StoragePaths paths)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(paths);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("dicomgateway.data_directory.free", () => FreeBytes(paths.DataDirectory), unit: "By",
            description: "Bytes available to the gateway on the data directory's file system");
    }

    /// <summary>Space available to an unprivileged writer; nothing (no measurement) when the directory cannot be read.</summary>
    private static IEnumerable<Measurement<long>> FreeBytes(string directory)
    {
        long free;
        try
        {
            free = new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            yield break;
        }
        yield return new Measurement<long>(free);
    }
}
