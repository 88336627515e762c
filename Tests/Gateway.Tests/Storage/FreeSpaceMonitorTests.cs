using DicomGateway.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Storage;

/// <summary>The free-space reading is of the data directory's own file system, and a cached reading cannot be overshot.</summary>
public sealed class FreeSpaceMonitorTests
{
    [Fact]
    public async Task Bytes_taken_within_one_cached_reading_count_against_the_threshold()
    {
        using var fs = await SmallFileSystem.MountAsync(8 << 20);
        var options = Options.Create(new StorageOptions { DataDirectory = "data", MinimumFreeBytes = 4 << 20 });
        var monitor = new FreeSpaceMonitor(new StoragePaths(options, new TestHostEnvironment(fs.Path)), options, TimeProvider.System, NullLogger<FreeSpaceMonitor>.Instance);

        var reading = monitor.Current();
        reading.TotalBytes.Should().Be(8 << 20, "statvfs of the mount that holds the directory, not of the root file system");
        reading.IsLow.Should().BeFalse();

        monitor.Fits(3 << 20).Should().BeTrue();
        monitor.Fits(2 << 20).Should().BeFalse("3 MiB are already taken from the 8 MiB, and 4 MiB must stay free, though nothing was written yet");
        monitor.Current().AvailableBytes.Should().BeLessThan(6 << 20);

        monitor.Invalidate();
        monitor.Current().AvailableBytes.Should().BeGreaterThan(7 << 20, "a new reading starts from what the file system says");
    }

    [Fact]
    public async Task A_file_system_below_the_threshold_is_low_and_recovers_when_space_returns()
    {
        using var fs = await SmallFileSystem.MountAsync(8 << 20);
        var options = Options.Create(new StorageOptions { DataDirectory = "data", MinimumFreeBytes = 0, MinimumFreePercent = 25 });
        var monitor = new FreeSpaceMonitor(new StoragePaths(options, new TestHostEnvironment(fs.Path)), options, TimeProvider.System, NullLogger<FreeSpaceMonitor>.Instance);

        var filler = fs.Fill(leaveFree: 1 << 20);
        monitor.Invalidate();
        monitor.Current().Should().Match<FreeSpaceMonitor.Reading>(r => r.IsLow && r.ThresholdBytes == 2 << 20);
        monitor.Fits(0).Should().BeFalse();

        File.Delete(filler);
        await Task.Delay(FreeSpaceMonitor.CacheFor + TimeSpan.FromMilliseconds(100));
        monitor.Current().IsLow.Should().BeFalse("recovery needs no restart, only a new reading");
    }
}
