using System.Globalization;
using Gateway.Tests.Shipments;
using Microsoft.Playwright;

namespace Gateway.Tests.Browser.Admin;

/// <summary>
/// The administration console in Chromium against the real gateway: the gateway started with a known password for
/// "admin", the mail and SMS outboxes in the test's directory and no routing rule (every study is held until a rule
/// made in the console says otherwise), and a page. Selectors are the console's DOM: field paths in
/// <c>data-field</c>, <c>data-testid</c>s, and the navigation's <c>data-route</c>s.
/// </summary>
public sealed class AdminConsole : IAsyncDisposable
{
    public const string AdminPassword = "initial-admin-password-for-browser-tests";

    /// <summary>The longest a step of the page may take.</summary>
    public const float StepTimeoutMs = 20_000;

    private readonly List<string> _pageErrors = [];

    private AdminConsole(GatewayProcess gateway, Outboxes outboxes, IPage page)
    {
        Gateway = gateway;
        Outboxes = outboxes;
        Page = page;
        page.SetDefaultTimeout(StepTimeoutMs);
        Assertions.SetDefaultExpectTimeout(StepTimeoutMs);
        page.PageError += (_, message) => { lock (_pageErrors) _pageErrors.Add(message); };
        // Chromium logs every 4xx answer as a console error ("Failed to load resource"): the console's first
        // "who am I" is a 401 before signing in, which is not a fault.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                lock (_pageErrors) _pageErrors.Add("console: " + message.Text);
        };
    }

    public GatewayProcess Gateway { get; }
    public Outboxes Outboxes { get; }
    public IPage Page { get; }

    public IReadOnlyList<string> PageErrors
    {
        get { lock (_pageErrors) return [.. _pageErrors]; }
    }

    public static async Task<AdminConsole> StartAsync(BrowserFixture browser, string directory, IDictionary<string, string>? environment = null)
    {
        var outboxes = new Outboxes(directory);
        // The outboxes' settings without their catch-all rule: the rules here are the ones the test makes.
        var env = outboxes.Environment().Where(kv => !kv.Key.StartsWith("Routing__Rules__", StringComparison.Ordinal)).ToDictionary();
        env["Administration__InitialAdminPassword"] = AdminPassword;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) env[k] = v;
        var gateway = await GatewayProcess.StartAsync(env);
        try
        {
            var page = await browser.NewPageAsync();
            return new AdminConsole(gateway, outboxes, page);
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    public Uri Url(string path = "") => new(Gateway.WebBase, "/admin/" + path);

    /// <summary>Opens /admin and waits for the sign-in form.</summary>
    public async Task OpenAsync(string path = "")
    {
        var response = await Page.GotoAsync(Url(path).ToString());
        response.Should().NotBeNull();
        response!.Status.Should().Be(200, "the gateway serves the console's page at /admin/...");
    }

    public async Task SignInAsync(string username = "admin", string password = AdminPassword)
    {
        await Page.Locator("input[name=username]").FillAsync(username);
        await Page.Locator("input[name=password]").FillAsync(password);
        await Page.Locator("#sign-in").ClickAsync();
    }

    /// <summary>Clicks the navigation entry of <paramref name="section"/> and waits for its page to finish loading.</summary>
    public async Task GoToAsync(string section)
    {
        await Page.Locator($"#nav a[data-route='{section}']").ClickAsync();
        await WaitForPageAsync(section);
    }

    public async Task WaitForPageAsync(string section)
    {
        await Page.Locator($".page[data-page='{section}'] h1").First.WaitForAsync();
        await Page.Locator(".loading").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
    }

    /// <summary>The control of the field at <paramref name="path"/> (its data-field) inside <paramref name="scope"/>.</summary>
    public ILocator Field(string path, string scope = "") => Page.Locator($"{scope} [data-field='{path}']".Trim());

    /// <summary>Sends a few slices of the phantom (a CT) as a new study, with its own UIDs.</summary>
    public async Task SendStudyAsync(string directory, string uidRoot, int slices = 3)
    {
        var files = Phantom.Write(directory, slices, new Phantom.Uids(uidRoot));
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", Gateway.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, "the gateway stores what storescu sends: " + store.Output);
    }

    /// <summary>Saves a screenshot of the page as docs/screenshots/admin-<paramref name="name"/>.png when DGW_SCREENSHOTS=1.</summary>
    public async Task ScreenshotAsync(string name, bool fullPage = false)
    {
        if (System.Environment.GetEnvironmentVariable("DGW_SCREENSHOTS") != "1") return;
        var directory = RepositoryRoot.Combine("docs", "screenshots");
        Directory.CreateDirectory(directory);
        // The status line fades out; a screenshot waits for it so it does not cover a table.
        await Page.Locator("#toast.visible").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached, Timeout = 10_000 });
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"admin-{name}.png"), FullPage = fullPage });
    }

    public async ValueTask DisposeAsync()
    {
        await Page.Context.DisposeAsync();
        await Gateway.DisposeAsync();
    }
}
