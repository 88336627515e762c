using DicomGateway.Hosting;

namespace Gateway.Tests.Hosting;

public sealed class SystemdServiceTests
{
    [Theory]
    [InlineData("30000000", null, 30_000)]
    [InlineData("1000000", "4242", 1_000)]
    public void Watchdog_interval_is_read_from_WATCHDOG_USEC(string usec, string? pid, int expectedMs) =>
        SystemdWatchdog.Interval(usec, pid, 4242).Should().Be(TimeSpan.FromMilliseconds(expectedMs));

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("0", null)]
    [InlineData("-5", null)]
    [InlineData("1e6", null)]
    [InlineData("abc", null)]
    [InlineData("99999999999999999999999", null)]
    [InlineData("1000000", "17")]
    [InlineData("1000000", "not-a-pid")]
    public void No_watchdog_for_missing_bad_or_foreign_values(string? usec, string? pid) =>
        SystemdWatchdog.Interval(usec, pid, 4242).Should().BeNull();

    [Fact]
    public void Log_levels_map_to_syslog_priorities()
    {
        SystemdService.PriorityOf(NLog.LogLevel.Fatal).Should().Be("2");
        SystemdService.PriorityOf(NLog.LogLevel.Error).Should().Be("3");
        SystemdService.PriorityOf(NLog.LogLevel.Warn).Should().Be("4");
        SystemdService.PriorityOf(NLog.LogLevel.Info).Should().Be("6");
        SystemdService.PriorityOf(NLog.LogLevel.Debug).Should().Be("7");
        SystemdService.PriorityOf(NLog.LogLevel.Trace).Should().Be("7");
    }
}
