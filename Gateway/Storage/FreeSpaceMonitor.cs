using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Storage;

/// <summary>
/// Free space of the file system that holds the data directory, read with statvfs (DriveInfo) and kept for
/// <see cref="CacheFor"/>, so that a check on every PDU costs a clock read and no system call. Below the threshold the
/// gateway refuses new storing associations and answers C-STORE with Out of Resources; it recovers by itself as soon
/// as a later reading is above it.
/// </summary>
public sealed partial class FreeSpaceMonitor
{
    /// <summary>How long a reading is trusted: short enough to notice a full disk within a few instances.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly string _directory;
    private readonly StorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FreeSpaceMonitor> _logger;
    private readonly Lock _gate = new();
    private Reading? _last;
    private long _usedSinceReading;
    private bool _wasLow;

    public FreeSpaceMonitor(StoragePaths paths, IOptions<StorageOptions> options, TimeProvider time, ILogger<FreeSpaceMonitor> logger)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        _directory = paths.DataDirectory;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Bytes available to the gateway, the file system's size, and the threshold in effect.</summary>
    public readonly record struct Reading(long AvailableBytes, long TotalBytes, long ThresholdBytes, long TakenAt)
    {
        public bool IsLow => AvailableBytes < ThresholdBytes;
    }

    /// <summary>
    /// The current reading, taken again when the cached one is older than <see cref="CacheFor"/>; bytes taken by
    /// <see cref="Fits"/> since are deducted, so a fast sender cannot overshoot the threshold within one cached second.
    /// </summary>
    public Reading Current()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_last is { } last && _time.GetElapsedTime(last.TakenAt, now) < CacheFor)
                return last with { AvailableBytes = last.AvailableBytes - _usedSinceReading };
            var reading = Measure(now);
            _last = reading;
            _usedSinceReading = 0;
            if (reading.IsLow != _wasLow)
            {
                _wasLow = reading.IsLow;
                if (reading.IsLow) LogLow(reading.AvailableBytes, reading.ThresholdBytes);
                else LogRecovered(reading.AvailableBytes, reading.ThresholdBytes);
            }
            return reading;
        }
    }

    /// <summary>Whether <paramref name="bytes"/> more would still leave the threshold free; when they do, they are counted as used.</summary>
    public bool Fits(long bytes)
    {
        var reading = Current();
        if (reading.AvailableBytes - bytes < reading.ThresholdBytes) return false;
        lock (_gate) _usedSinceReading += bytes;
        return true;
    }

    /// <summary>Forgets the cached reading (after a write failed for lack of space, the next check looks again).</summary>
    public void Invalidate()
    {
        lock (_gate) _last = null;
    }

    private Reading Measure(long now)
    {
        Directory.CreateDirectory(_directory);
        // DriveInfo on Linux asks statvfs for the mount point that contains the path, so a data directory on its own
        // file system (a tmpfs, a separate volume) is measured, not the root file system.
        var drive = new DriveInfo(_directory);
        var total = drive.TotalSize;
        return new Reading(drive.AvailableFreeSpace, total, _options.ThresholdFor(total), now);
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Free space of the data directory is below the threshold ({AvailableBytes} bytes free, {ThresholdBytes} required): storing is refused until space returns")]
    private partial void LogLow(long availableBytes, long thresholdBytes);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Free space of the data directory is above the threshold again ({AvailableBytes} bytes free, {ThresholdBytes} required): storing resumes")]
    private partial void LogRecovered(long availableBytes, long thresholdBytes);
}
