using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Health;

/// <summary>
/// /healthz and /readyz of the real gateway, as a load balancer sees them: not-ready naming the failed check when the
/// data directory turns read-only, the database stays locked, or free space falls below the threshold; ready again
/// when the condition goes, without a restart.
/// </summary>
public sealed class ReadinessTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task A_started_gateway_is_alive_and_ready_with_every_check_ok()
    {
        await using var gw = await GatewayProcess.StartAsync();

        var alive = await Http.GetAsync(new Uri(gw.WebBase, "/healthz"));
        alive.StatusCode.Should().Be(HttpStatusCode.OK);
        (await alive.Content.ReadAsStringAsync()).Should().Be("""{"status":"alive"}""");

        var (status, body) = await WaitForReadinessAsync(gw, HttpStatusCode.OK);
        body.GetProperty("status").GetString().Should().Be("ready");
        var checks = body.GetProperty("checks").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        checks.Keys.Should().BeEquivalentTo(["database", "dataDirectory", "freeSpace", "gatewayKey", "dicomListener", "queues"]);
        checks.Values.Should().OnlyContain(v => v == "ok", status.ToString());
    }

    [Fact]
    public async Task Free_space_below_the_threshold_makes_it_not_ready_and_refuses_storing_associations_until_space_returns()
    {
        using var fs = await SmallFileSystem.MountAsync(24 << 20);
        var data = Path.Combine(fs.Path, "data");
        await using var gw = await GatewayProcess.StartAsync(args: ["--Storage:MinimumFreeBytes", (8 << 20).ToString(CultureInfo.InvariantCulture)], dataDirectory: data);
        await WaitForReadinessAsync(gw, HttpStatusCode.OK);

        var filler = fs.Fill(leaveFree: 4 << 20);
        var (_, body) = await WaitForReadinessAsync(gw, HttpStatusCode.ServiceUnavailable);
        body.GetProperty("status").GetString().Should().Be("not-ready");
        body.GetProperty("checks").GetProperty("freeSpace").GetString().Should().StartWith("below the threshold");
        body.GetProperty("checks").GetProperty("database").GetString().Should().Be("ok");

        using var source = new TempDirectory("gw-src-");
        var file = Instances.WriteCt(source.Path, 1);
        var port = gw.Port.ToString(CultureInfo.InvariantCulture);
        var refused = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", port, file], ExternalTool.LongTimeout);
        refused.ExitCode.Should().NotBe(0);
        refused.Output.Should().Contain("Association Rejected").And.Contain("Local Limit Exceeded", "transient, service-provider: the sender comes back later");
        (await ExternalTool.RunAsync("echoscu", ["-aec", "DICOMGATEWAY", "127.0.0.1", port])).ExitCode.Should().Be(0, "Verification stores nothing");

        File.Delete(filler);
        await WaitForReadinessAsync(gw, HttpStatusCode.OK);
        (await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", port, file], ExternalTool.LongTimeout)).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task A_read_only_data_directory_makes_it_not_ready_until_it_is_writable_again()
    {
        await using var gw = await GatewayProcess.StartAsync();
        await WaitForReadinessAsync(gw, HttpStatusCode.OK);

        await using (await ReadOnlyBind.MountAsync(gw.DataDirectory))
        {
            var (_, body) = await WaitForReadinessAsync(gw, HttpStatusCode.ServiceUnavailable);
            body.GetProperty("checks").GetProperty("dataDirectory").GetString().Should().Be("not writable");
        }
        await WaitForReadinessAsync(gw, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_database_locked_longer_than_the_threshold_makes_it_not_ready_until_the_lock_goes()
    {
        await using var gw = await GatewayProcess.StartAsync(args: ["--Health:DatabaseTimeoutSeconds", "1"]);
        await WaitForReadinessAsync(gw, HttpStatusCode.OK);

        await using (var holder = new SqliteConnection($"Data Source={gw.DatabasePath};Pooling=False"))
        {
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                await begin.ExecuteNonQueryAsync();
            }
            var (_, body) = await WaitForReadinessAsync(gw, HttpStatusCode.ServiceUnavailable);
            body.GetProperty("checks").GetProperty("database").GetString().Should().StartWith("locked");
            await using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }
        await WaitForReadinessAsync(gw, HttpStatusCode.OK);
    }

    /// <summary>Polls /readyz (bounded) until it answers <paramref name="expected"/>; returns that answer.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body)> WaitForReadinessAsync(GatewayProcess gw, HttpStatusCode expected)
    {
        (HttpStatusCode, JsonElement) last = default;
        var reached = await Eventually.TrueAsync(async () =>
        {
            using var response = await Http.GetAsync(new Uri(gw.WebBase, "/readyz"));
            last = (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
            return response.StatusCode == expected;
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));
        reached.Should().BeTrue($"/readyz should answer {expected}; last: {last.Item1} {last.Item2}");
        return last;
    }
}
