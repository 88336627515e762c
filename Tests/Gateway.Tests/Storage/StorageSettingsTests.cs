using DicomGateway.Health;
using DicomGateway.Storage;

namespace Gateway.Tests.Storage;

/// <summary>The free-space and health settings an administrator can get wrong stop the gateway at start, each named.</summary>
public sealed class StorageSettingsTests
{
    [Theory]
    [InlineData(-1, 0, "Storage:MinimumFreeBytes must be 0 or more")]
    [InlineData(0, -0.5, "Storage:MinimumFreePercent must be 0 to 50")]
    [InlineData(0, 51, "Storage:MinimumFreePercent must be 0 to 50")]
    [InlineData(0, double.NaN, "Storage:MinimumFreePercent must be 0 to 50")]
    public void A_wrong_free_space_setting_is_named(long bytes, double percent, string problem) =>
        new StorageOptions { MinimumFreeBytes = bytes, MinimumFreePercent = percent }.Validate().Should().Equal(problem);

    [Fact]
    public void The_defaults_are_valid_and_keep_one_gibibyte_free()
    {
        new StorageOptions().Validate().Should().BeEmpty();
        new StorageOptions().ThresholdFor(100L << 30).Should().Be(1L << 30);
    }

    [Fact]
    public void The_larger_of_bytes_and_percentage_is_the_threshold()
    {
        var options = new StorageOptions { MinimumFreeBytes = 1 << 20, MinimumFreePercent = 5 };
        options.ThresholdFor(100L << 20).Should().Be(5L << 20);
        options.ThresholdFor(10L << 20).Should().Be(1L << 20);
    }

    [Theory]
    [InlineData(0, 15, "Health:DatabaseTimeoutSeconds must be 0.1 to 300")]
    [InlineData(301, 15, "Health:DatabaseTimeoutSeconds must be 0.1 to 300")]
    [InlineData(5, 0, "Health:QueueStuckMinutes must be 1 to 10080")]
    [InlineData(5, double.NaN, "Health:QueueStuckMinutes must be 1 to 10080")]
    public void A_wrong_health_setting_is_named(double databaseTimeout, double queueStuck, string problem) =>
        new HealthOptions { DatabaseTimeoutSeconds = databaseTimeout, QueueStuckMinutes = queueStuck }.Validate().Should().Equal(problem);

    [Fact]
    public async Task A_negative_threshold_stops_the_gateway_at_start_naming_the_setting()
    {
        var (exitCode, output) = await GatewayProcess.StartExpectingExitAsync(args: ["--Storage:MinimumFreeBytes", "-5"]);
        exitCode.Should().NotBe(0);
        output.Should().Contain("Storage:MinimumFreeBytes must be 0 or more");
    }

    [Fact]
    public async Task A_free_space_reading_is_of_the_file_system_that_holds_the_directory()
    {
        using var fs = await SmallFileSystem.MountAsync(8 << 20);
        new DriveInfo(fs.Path).TotalSize.Should().Be(8 << 20, "DriveInfo measures the mount that holds the path, not the root file system");
    }
}
