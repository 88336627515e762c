using System.Globalization;
using System.Text.Json;
using Gateway.Tests.Shipments;
using Microsoft.Playwright;

namespace Gateway.Tests.Browser;

/// <summary>
/// A recipient in a browser: the real gateway with its outboxes and a route for every study, a study sent to it
/// with storescu, the link and code read from the e-mail and SMS outboxes, and a page that opens the link.
/// Selectors are the viewer's DOM contract (ids, <c>data-testid</c>s and the <c>window.__dgw</c> hook).
/// </summary>
public sealed class ViewerSession : IAsyncDisposable
{
    /// <summary>The longest a step of the page may take (decoding and rendering run in software here).</summary>
    public const float StepTimeoutMs = 30_000;

    private readonly List<string> _pageErrors = [];
    private readonly List<(string Url, string? Body)> _requests = [];

    private ViewerSession(GatewayProcess gateway, string link, string code, IPage page)
    {
        Gateway = gateway;
        Link = link;
        Code = code;
        Page = page;
        page.PageError += (_, message) => { lock (_pageErrors) _pageErrors.Add(message); };
        page.Request += (_, request) => { lock (_requests) _requests.Add((request.Url, request.PostData)); };
        // Chromium logs every 4xx answer as a console error ("Failed to load resource"); a wrong code is one, not a fault.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                lock (_pageErrors) _pageErrors.Add("console: " + message.Text);
        };
    }

    public GatewayProcess Gateway { get; }
    public string Link { get; }
    public string Code { get; }
    public IPage Page { get; }

    /// <summary>Uncaught exceptions and console errors of the page so far.</summary>
    public IReadOnlyList<string> PageErrors
    {
        get { lock (_pageErrors) return [.. _pageErrors]; }
    }

    /// <summary>Every request the page has sent so far: its URL and its body, if any.</summary>
    public IReadOnlyList<(string Url, string? Body)> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    /// <summary>
    /// Starts a gateway (outboxes under <paramref name="directory"/>; <paramref name="environment"/> adds or
    /// overrides settings), sends <paramref name="files"/>, waits for the notification and opens a page. The page
    /// has no <c>showSaveFilePicker</c>, so the viewer saves downloads the way Playwright can see (a Blob link).
    /// </summary>
    public static async Task<ViewerSession> StartAsync(BrowserFixture browser, string directory, IReadOnlyList<string> files,
        IDictionary<string, string>? environment = null, IReadOnlyList<string>? storescuOptions = null)
    {
        var outboxes = new Outboxes(directory);
        var env = outboxes.Environment();
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) env[k] = v;
        var gateway = await GatewayProcess.StartAsync(env);
        try
        {
            var store = await ExternalTool.RunAsync("storescu", [.. storescuOptions ?? [], "-aec", "DICOMGATEWAY", "127.0.0.1", gateway.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
            store.ExitCode.Should().Be(0, "the gateway stores what storescu sends: " + store.Output);
            var (link, code) = await outboxes.WaitForNotificationAsync();
            var page = await browser.NewPageAsync();
            page.SetDefaultTimeout(StepTimeoutMs);
            await page.AddInitScriptAsync("delete window.showSaveFilePicker;");
            return new ViewerSession(gateway, link, code, page);
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Opens <paramref name="link"/> (the e-mailed one by default) as a new page load, as from the e-mail, and waits
    /// for the code field. (Links differ only in their fragment, so going from one to the next would otherwise load
    /// nothing.)
    /// </summary>
    public async Task OpenLinkAsync(string? link = null)
    {
        IResponse? response;
        try
        {
            await Page.GotoAsync("about:blank");
            response = await Page.GotoAsync(link ?? Link);
        }
        catch (PlaywrightException e) when (e.Message.Contains("ERR_HTTP_RESPONSE_CODE_FAILURE", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"the gateway does not serve the viewer page at {new Uri(link ?? Link).AbsolutePath} (an error status with an empty body); is the Viewer built into wwwroot?", e);
        }
        response.Should().NotBeNull();
        response!.Status.Should().Be(200, $"the gateway serves the viewer page at /s/<token> (got {response.Status} for {new Uri(link ?? Link).AbsolutePath})");
        await Page.Locator("#code").WaitForAsync();
    }

    /// <summary>Types <paramref name="code"/> (the SMS code by default) and clicks unlock.</summary>
    public async Task EnterCodeAsync(string? code = null)
    {
        await Page.Locator("#code").FillAsync(code ?? Code);
        await Page.Locator("#unlock").ClickAsync();
    }

    /// <summary>Opens the link, unlocks with the right code and waits for the study overview.</summary>
    public async Task OpenStudyAsync()
    {
        await OpenLinkAsync();
        await EnterCodeAsync();
        await Page.Locator("#overview").WaitForAsync();
    }

    /// <summary>Opens series <paramref name="index"/> of the overview and waits until its first image is drawn.</summary>
    public async Task OpenSeriesAsync(int index = 0)
    {
        await Page.Locator("[data-testid=series]").Nth(index).Locator("[data-testid=open-series]").ClickAsync();
        await Page.Locator("#viewer").WaitForAsync();
        await Page.WaitForFunctionAsync("() => window.__dgw && window.__dgw.timings && window.__dgw.timings.firstImageAt > 0",
            null, new PageWaitForFunctionOptions { Timeout = StepTimeoutMs });
    }

    /// <summary>The text of the element <paramref name="selector"/>, trimmed.</summary>
    public async Task<string> TextAsync(string selector) => (await Page.Locator(selector).InnerTextAsync()).Trim();

    public async Task<T> HookAsync<T>(string expression) => await Page.EvaluateAsync<T>(expression);

    public async Task<JsonElement> TimingsAsync() => await Page.EvaluateAsync<JsonElement>("() => window.__dgw.timings");

    public async Task SetSliceAsync(int index) => await Page.EvaluateAsync("i => window.__dgw.setSlice(i)", index);

    /// <summary>The viewport's size in CSS pixels.</summary>
    public async Task<(double Width, double Height)> ViewportSizeAsync()
    {
        var box = await Page.Locator("#viewport").BoundingBoxAsync() ?? throw new InvalidOperationException("#viewport is not laid out");
        return (box.Width, box.Height);
    }

    /// <summary>The rendered [r, g, b, a] at CSS pixel (x, y) of <c>#viewport</c>.</summary>
    public async Task<int[]> PixelAtAsync(double x, double y) =>
        await Page.EvaluateAsync<int[]>("([x, y]) => Promise.resolve(window.__dgw.pixelAt(x, y)).then(p => Array.from(p))", new[] { x, y });

    /// <summary>
    /// The rendered pixel over image point (column, row) of a <paramref name="imageSize"/>-square image shown as after
    /// <c>#reset</c>: scaled to fit the viewport (scale = min(width, height) / size) and centred.
    /// </summary>
    public async Task<int[]> PixelAtImageAsync(double column, double row, int imageSize = Phantom.Size)
    {
        var (w, h) = await ViewportSizeAsync();
        var scale = Math.Min(w, h) / imageSize;
        var x = (w - imageSize * scale) / 2 + column * scale;
        var y = (h - imageSize * scale) / 2 + row * scale;
        return await PixelAtAsync(x, y);
    }

    /// <summary>
    /// Waits (rendering is asynchronous) until the gray at the centre of <paramref name="region"/> is within
    /// <paramref name="tolerance"/> of <paramref name="expected"/>, and returns the last pixel read either way.
    /// </summary>
    public Task<int[]> WaitForGrayAsync(Phantom.Region region, double expected, double tolerance = 3, int timeoutMs = 5_000) =>
        Eventually.PollAsync(() => PixelAtImageAsync(region.Center.Column, region.Center.Row), pixel => Math.Abs(pixel[0] - expected) <= tolerance,
            TimeSpan.FromMilliseconds(timeoutMs), TimeSpan.FromMilliseconds(50));

    /// <summary>Saves a screenshot of the page as docs/screenshots/<paramref name="name"/>.png when DGW_SCREENSHOTS=1.</summary>
    public async Task ScreenshotAsync(string name)
    {
        if (System.Environment.GetEnvironmentVariable("DGW_SCREENSHOTS") != "1") return;
        var directory = RepositoryRoot.Combine("docs", "screenshots");
        Directory.CreateDirectory(directory);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png") });
    }

    public async ValueTask DisposeAsync()
    {
        await Page.Context.DisposeAsync();
        await Gateway.DisposeAsync();
    }
}
