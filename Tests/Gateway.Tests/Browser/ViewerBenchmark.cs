using System.Diagnostics;
using System.Globalization;
using System.Text;
using DicomGateway.Crypto;
using Gateway.Tests.Shipments;
using Xunit.Abstractions;

namespace Gateway.Tests.Browser;

/// <summary>
/// How long a recipient waits: a 300-slice phantom, from the click on unlock to the first image drawn and to every
/// instance decrypted, and the browser's decryption rate against .NET decrypting the same blobs in the same run
/// (so the figure is relative to this machine). Runs only with <c>DGW_BENCH=1</c>; writes bench/out/viewer-bench.txt.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class ViewerBenchmark(BrowserFixture browser, ITestOutputHelper output) : IDisposable
{
    private const int Slices = 300;
    private readonly TempDirectory _dir = new("gw-bench-");

    public void Dispose() => _dir.Dispose();

    [BenchmarkFact]
    public async Task Time_from_unlock_to_first_image_and_to_all_decrypted()
    {
        var files = Phantom.Write(Path.Combine(_dir.Path, "study"), Slices);
        await using var session = await ViewerSession.StartAsync(browser, _dir.Path, files);
        await session.OpenLinkAsync();
        await session.ScreenshotAsync("unlock");
        await session.EnterCodeAsync();
        await session.Page.Locator("#overview").WaitForAsync();
        await session.ScreenshotAsync("overview");
        // DGW_BENCH_PROFILE=1: a CPU profile of the page while the series loads, summed by function (self time).
        var profile = Environment.GetEnvironmentVariable("DGW_BENCH_PROFILE") == "1" ? await session.Page.Context.NewCDPSessionAsync(session.Page) : null;
        if (profile is not null)
        {
            await profile.SendAsync("Profiler.enable");
            await profile.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 200 });
            await profile.SendAsync("Profiler.start");
        }
        await session.OpenSeriesAsync();
        await session.Page.WaitForFunctionAsync("() => window.__dgw.timings.allDecryptedAt > 0", null,
            new Microsoft.Playwright.PageWaitForFunctionOptions { Timeout = 600_000 });
        if (profile is not null) output.WriteLine(CpuProfile.Summary((await profile.SendAsync("Profiler.stop"))!.Value.GetProperty("profile")));
        await session.ScreenshotAsync("viewer");
        var timings = await session.TimingsAsync();
        var unlock = timings.GetProperty("unlockClickedAt").GetDouble();
        var firstMs = timings.GetProperty("firstImageAt").GetDouble() - unlock;
        var allMs = timings.GetProperty("allDecryptedAt").GetDouble() - unlock;
        var bytes = await session.HookAsync<double>("() => window.__dgw.bytesDecrypted");
        // Where the time goes: the blob requests as the browser's Resource Timing saw them (ms after unlock).
        var fetches = await session.Page.EvaluateAsync<System.Text.Json.JsonElement>(
            """
            u => {
              const e = performance.getEntriesByType('resource').filter(r => r.name.includes('/api/recipient/blobs/'));
              const d = e.map(r => r.responseEnd - r.startTime).sort((a, b) => a - b);
              return { count: e.length, median: d[Math.floor(d.length / 2)] ?? 0,
                       first: Math.min(...e.map(r => r.startTime)) - u, last: Math.max(...e.map(r => r.responseEnd)) - u };
            }
            """, unlock);
        // The page's own milestones (performance.mark "dgw:*"), in ms after the unlock click.
        var marks = await session.Page.EvaluateAsync<string>(
            "u => performance.getEntriesByType('mark').filter(m => m.name.startsWith('dgw:')).map(m => `${m.name.slice(4)} ${(m.startTime - u).toFixed(0)}`).join(', ')", unlock);
        var browserRate = bytes / 1e6 / (allMs / 1000);

        // .NET on the same blobs: fetched over HTTP and decrypted with the gateway's SegmentedBlob.
        using var recipient = new RecipientClient(session.Gateway.WebBase, session.Link, session.Code);
        (await recipient.UnlockAsync()).Status.Should().Be(System.Net.HttpStatusCode.OK);
        var manifest = await recipient.ManifestAsync();
        var ordinals = manifest.Series.SelectMany(s => s.Instances).Select(i => i.Ordinal).ToList();
        var fetch = Stopwatch.StartNew();
        var blobs = new List<(int Ordinal, byte[] Ciphertext)>();
        foreach (var ordinal in ordinals) blobs.Add((ordinal, await recipient.FetchBlobAsync(ordinal)));
        fetch.Stop();
        var decrypt = Stopwatch.StartNew();
        long plaintext = 0;
        foreach (var (ordinal, ciphertext) in blobs)
        {
            using var input = new MemoryStream(ciphertext, writable: false);
            var sink = new CountingStream();
            await SegmentedBlob.DecryptAsync(input, sink, recipient.DataKey, (uint)ordinal, CancellationToken.None);
            plaintext += sink.Length;
        }
        decrypt.Stop();
        var dotnetDecryptRate = plaintext / 1e6 / decrypt.Elapsed.TotalSeconds;
        var dotnetTotalRate = plaintext / 1e6 / (fetch.Elapsed + decrypt.Elapsed).TotalSeconds;

        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"viewer benchmark, {DateTime.UtcNow:u}, {Environment.ProcessorCount} cores, {BrowserFixture.ChromiumPath}")
            .AppendLine(CultureInfo.InvariantCulture, $"study: {Slices} slices {Phantom.Size}x{Phantom.Size} 16-bit, {plaintext / 1e6:F1} MB plaintext")
            .AppendLine(CultureInfo.InvariantCulture, $"browser: unlock -> first image {firstMs:F0} ms; unlock -> all decrypted {allMs:F0} ms")
            .AppendLine(CultureInfo.InvariantCulture, $"browser: {bytes / 1e6:F1} MB decrypted, {browserRate:F1} MB/s (fetch + decrypt + bookkeeping)")
            .AppendLine(CultureInfo.InvariantCulture, $"browser milestones (ms after unlock): {marks}")
            .AppendLine(CultureInfo.InvariantCulture, $"browser: {fetches.GetProperty("count").GetInt32()} blob requests from {fetches.GetProperty("first").GetDouble():F0} to {fetches.GetProperty("last").GetDouble():F0} ms after unlock, median {fetches.GetProperty("median").GetDouble():F1} ms each")
            .AppendLine(CultureInfo.InvariantCulture, $".NET:    fetch {fetch.Elapsed.TotalMilliseconds:F0} ms, decrypt {decrypt.Elapsed.TotalMilliseconds:F0} ms: {dotnetDecryptRate:F1} MB/s decrypt only, {dotnetTotalRate:F1} MB/s fetch + decrypt")
            .AppendLine(CultureInfo.InvariantCulture, $"ratio browser / .NET: {browserRate / dotnetDecryptRate:F3} of decrypt only, {browserRate / dotnetTotalRate:F3} of fetch + decrypt")
            .ToString();
        output.WriteLine(report);
        var outDirectory = RepositoryRoot.Combine("bench", "out");
        Directory.CreateDirectory(outDirectory);
        await File.WriteAllTextAsync(Path.Combine(outDirectory, "viewer-bench.txt"), report);

        bytes.Should().BeGreaterThanOrEqualTo(plaintext, "the browser decrypted every instance (and the manifest)");
        firstMs.Should().BePositive();
    }

    /// <summary>A write-only sink that counts, so the measurement holds no copy of the plaintext.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A measurement, not a check: runs only when <c>DGW_BENCH=1</c> (and Chromium is wanted).</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (System.Environment.GetEnvironmentVariable("DGW_BENCH") != "1") Skip = "a benchmark: set DGW_BENCH=1 to run it";
        else if (System.Environment.GetEnvironmentVariable("DGW_SKIP_BROWSER_TESTS") == "1") Skip = "DGW_SKIP_BROWSER_TESTS=1";
    }
}

/// <summary>Summaries of V8 CPU profiles taken through the DevTools protocol.</summary>
internal static class CpuProfile
{
    /// <summary>The 20 functions with the most self time in a V8 CPU profile (Profiler.stop's "profile").</summary>
    internal static string Summary(System.Text.Json.JsonElement profile)
    {
        var names = new Dictionary<int, string>();
        foreach (var node in profile.GetProperty("nodes").EnumerateArray())
        {
            var frame = node.GetProperty("callFrame");
            var url = frame.GetProperty("url").GetString() ?? "";
            names[node.GetProperty("id").GetInt32()] =
                $"{frame.GetProperty("functionName").GetString()} {url[(url.LastIndexOf('/') + 1)..]}:{frame.GetProperty("lineNumber").GetInt32()}";
        }
        var samples = profile.GetProperty("samples").EnumerateArray().Select(e => e.GetInt32()).ToList();
        var deltas = profile.GetProperty("timeDeltas").EnumerateArray().Select(e => e.GetInt64()).ToList();
        var self = new Dictionary<string, long>();
        for (var i = 0; i < samples.Count; i++)
        {
            var name = names[samples[i]];
            self[name] = self.GetValueOrDefault(name) + (i + 1 < deltas.Count ? deltas[i + 1] : 0);
        }
        var total = self.Values.Sum();
        var sb = new StringBuilder($"CPU profile, {total / 1000} ms sampled:\n");
        foreach (var (name, us) in self.OrderByDescending(p => p.Value).Take(20))
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {us / 1000.0,8:F1} ms  {name}");
        return sb.ToString();
    }
}
