using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;

namespace Gateway.Tests.Metrics;

/// <summary>The gateway executable scraped by Debian's Prometheus while DCMTK's storescu sends it a study.</summary>
public sealed class PrometheusScrapeTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-metrics-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Prometheus_scraping_the_gateway_counts_exactly_the_instances_and_bytes_storescu_sent()
    {
        await using var gw = await GatewayProcess.StartAsync();
        await using var prometheus = await PrometheusServer.StartAsync($"127.0.0.1:{gw.WebPort}");
        var files = Enumerable.Range(1, 4).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var sentBytes = files.Sum(DataSetLength);

        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);

        var instances = await Eventually.PollAsync(() => prometheus.QueryScalarAsync("dicomgateway_instances_received_total"), v => v == files.Count, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        instances.Should().Be(files.Count, "Prometheus reads the counter from /metrics (target health: {0})\n{1}", await prometheus.TargetHealthAsync(), prometheus.Output);
        var bytes = await Eventually.PollAsync(() => prometheus.QueryScalarAsync("dicomgateway_received_bytes_total"), v => v == sentBytes, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        bytes.Should().Be(sentBytes, "the byte counter counts the data sets as storescu sent them");
        (await prometheus.QueryScalarAsync("sum(dicomgateway_cstore_responses_total{status=\"0000\"})")).Should().Be(files.Count);
        (await prometheus.QueryScalarAsync("sum(dicomgateway_store_duration_seconds_count)")).Should().Be(files.Count);
        (await prometheus.QueryScalarAsync("dicomgateway_data_directory_free_bytes")).Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task After_a_study_is_sealed_Prometheus_sees_the_shipment_the_accepted_association_and_the_notifications()
    {
        var env = new Outboxes(Path.Combine(_dir.Path, "outbox")).Environment();
        await using var gw = await GatewayProcess.StartAsync(env);
        await using var prometheus = await PrometheusServer.StartAsync($"127.0.0.1:{gw.WebPort}");
        var files = Enumerable.Range(1, 2).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();

        var store = await ExternalTool.RunAsync("storescu", ["-aet", "MODALITY1", "-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);

        var active = await Eventually.PollAsync(() => prometheus.QueryScalarAsync("dicomgateway_shipments{state=\"active\"}"), v => v == 1, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
        active.Should().Be(1, "the sealed study's shipment is active (target health: {0})\n{1}", await prometheus.TargetHealthAsync(), gw.Output);
        (await prometheus.QueryScalarAsync("dicomgateway_shipments_sealed_total")).Should().Be(1);
        (await prometheus.QueryScalarAsync("dicomgateway_associations_accepted_total{calling_ae=\"other\"}")).Should().Be(1, "storescu's one association, under other: MODALITY1 is no registered node");
        (await prometheus.QueryScalarAsync("count(dicomgateway_associations_accepted_total)")).Should().Be(1, "no series carries the caller's own title");
        var receiving = await Eventually.PollAsync(() => prometheus.QueryScalarAsync("dicomgateway_studies_receiving"), v => v == 0, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        receiving.Should().Be(0, "the study is sealed, and the gauge is at most a few seconds old");
        (await prometheus.QueryScalarAsync("dicomgateway_studies_held")).Should().Be(0);
        var sent = await Eventually.PollAsync(() => prometheus.QueryScalarAsync("dicomgateway_notifications_total{outcome=\"sent\"}"), v => v == 2, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
        sent.Should().Be(2, "the e-mail with the link and the SMS with the code");
        var pending = await Eventually.PollAsync(() => prometheus.QueryScalarAsync("dicomgateway_notification_queue{state=\"pending\"}"), v => v == 0, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        pending.Should().Be(0);
        (await prometheus.QueryScalarAsync("dicomgateway_forward_queue{state=\"failed\"}")).Should().Be(0);
    }

    [Fact]
    public async Task The_scraped_body_passes_promtool_check_metrics()
    {
        await using var gw = await GatewayProcess.StartAsync();
        var file = Instances.WriteCt(_dir.Path, 1);
        (await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), file], ExternalTool.LongTimeout))
            .ExitCode.Should().Be(0);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var body = await http.GetStringAsync(new Uri(gw.WebBase, "/metrics"));
        body.Should().Contain("dicomgateway_instances_received_total 1");
        body.Should().Contain("# TYPE dotnet_gc_collections_total counter", "the runtime's meter is exported with its counters as counters")
            .And.Contain("dotnet_gc_heap_total_allocated_bytes_total").And.Contain("# TYPE dotnet_thread_pool_queue_length gauge").And.Contain("# TYPE dotnet_thread_pool_threads gauge");
        var scraped = Path.Combine(_dir.Path, "scraped.txt");
        await File.WriteAllTextAsync(scraped, body);

        var check = await ExternalTool.RunAsync("sh", ["-c", "promtool check metrics < \"$0\"", scraped], ExternalTool.DefaultTimeout);
        check.ExitCode.Should().Be(0, check.Output);
    }

    [Fact]
    public async Task A_client_outside_the_allowed_networks_needs_the_key_and_a_wrong_key_gets_401()
    {
        const string key = "metrics-key-0123456789abcdef";
        var env = new Dictionary<string, string>
        {
            ["Metrics__AllowedNetworks__0"] = "192.0.2.0/24",
            ["Metrics__ApiKey"] = key,
        };
        await using var gw = await GatewayProcess.StartAsync(env);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(gw.WebBase, "/metrics");

        using (var anonymous = await http.GetAsync(url))
            anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, url))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key + "x");
            using var response = await http.SendAsync(wrong);
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await response.Content.ReadAsStringAsync()).Should().BeEmpty("a refusal gives no detail");
        }
        using (var right = new HttpRequestMessage(HttpMethod.Get, url))
        {
            right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await http.SendAsync(right);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).Should().Contain("dicomgateway_data_directory_free_bytes");
        }
        gw.Output.Should().NotContain(key, "the key is never logged");
    }

    [Fact]
    public async Task A_rejected_stranger_is_counted_under_other_never_under_its_own_title()
    {
        var env = new Dictionary<string, string> { ["Dicom__AllowedCallingAeTitles__MODALITY1"] = "127.0.0.1" };
        await using var gw = await GatewayProcess.StartAsync(env);
        var rejected = await ExternalTool.RunAsync("echoscu", ["-aet", "STRANGER", "-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture)], ExternalTool.LongTimeout);
        rejected.ExitCode.Should().NotBe(0);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var body = await Eventually.PollAsync(() => http.GetStringAsync(new Uri(gw.WebBase, "/metrics")), b => b.Contains("dicomgateway_associations_rejected_total", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        body.Should().Contain("dicomgateway_associations_rejected_total{calling_ae=\"other\",reason=\"calling_ae_title_not_recognized\"} 1");
        body.Should().NotContain("STRANGER");
    }

    /// <summary>The bytes of a Part-10 file's data set: after the preamble, "DICM" and the meta group (whose length its first element gives).</summary>
    private static long DataSetLength(string path)
    {
        var bytes = File.ReadAllBytes(path);
        // 128-byte preamble, "DICM", then (0002,0000) UL in explicit VR: tag 4, VR 2, length 2, value 4.
        var groupLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(140, 4));
        return bytes.Length - (144 + groupLength);
    }
}
