using Microsoft.Playwright;

namespace Gateway.Tests.Browser;

/// <summary>
/// One Playwright driver and one headless Chromium for a test collection. Chromium is the Debian package that
/// test.sh installs (or <c>DGW_CHROMIUM</c>): Playwright never downloads a browser here. Software WebGL
/// (SwiftShader through ANGLE) lets the viewer render without a GPU; <c>--no-sandbox</c> because CI runs as root.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string DefaultChromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("the browser did not start");

    /// <summary>The Chromium executable: <c>DGW_CHROMIUM</c>, else the Debian package's.</summary>
    public static string ChromiumPath =>
        System.Environment.GetEnvironmentVariable("DGW_CHROMIUM") is { Length: > 0 } path ? path : DefaultChromium;

    public async Task InitializeAsync()
    {
        if (System.Environment.GetEnvironmentVariable("DGW_SKIP_BROWSER_TESTS") == "1") return;
        var chromium = ChromiumPath;
        if (!File.Exists(chromium))
            throw new InvalidOperationException(
                $"Chromium is not at {chromium}: run ./test.sh (it installs the Debian package 'chromium'), set DGW_CHROMIUM " +
                "to another Chromium, or set DGW_SKIP_BROWSER_TESTS=1 to leave the browser tests out.");
        System.Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
        });
    }

    /// <summary>A fresh context (own cookies and storage, downloads allowed) and a page in it.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}

/// <summary>
/// A test that needs Chromium. It runs (and fails clearly when Chromium is missing) unless
/// <c>DGW_SKIP_BROWSER_TESTS=1</c>, which is the one way to leave the browser tests out.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (System.Environment.GetEnvironmentVariable("DGW_SKIP_BROWSER_TESTS") == "1") Skip = "DGW_SKIP_BROWSER_TESTS=1";
    }
}

/// <inheritdoc cref="BrowserFactAttribute"/>
public sealed class BrowserTheoryAttribute : TheoryAttribute
{
    public BrowserTheoryAttribute()
    {
        if (System.Environment.GetEnvironmentVariable("DGW_SKIP_BROWSER_TESTS") == "1") Skip = "DGW_SKIP_BROWSER_TESTS=1";
    }
}
