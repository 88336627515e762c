using System.Buffers.Text;
using System.Text;
using DicomGateway.Crypto;

namespace Gateway.Tests.Browser;

/// <summary>
/// What a recipient sees: the e-mailed link and the SMS code open the study in Chromium, and every slice of the
/// phantom is drawn with the gray levels its Hounsfield values give at the study's window.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ViewerFlowTests(BrowserFixture browser) : IDisposable
{
    private const int Slices = 40;
    private readonly TempDirectory _dir = new("gw-viewer-");

    public void Dispose() => _dir.Dispose();

    [BrowserFact]
    public async Task The_link_and_the_code_open_the_study_and_every_slice_shows_its_own_marker_at_the_right_gray_level()
    {
        var files = Phantom.Write(Path.Combine(_dir.Path, "study"), Slices);
        await using var session = await ViewerSession.StartAsync(browser, _dir.Path, files);
        var page = session.Page;

        await session.OpenLinkAsync();
        await page.WaitForFunctionAsync("() => !location.href.includes('#')");
        page.Url.Should().NotContain("#", "the page drops the key from the address bar and the history once it has read it");
        new Uri(page.Url).AbsolutePath.Should().Be("/s/");
        await session.ScreenshotAsync("unlock");

        await session.EnterCodeAsync();
        await page.Locator("#overview").WaitForAsync();
        (await session.TextAsync("[data-testid=patient-name]")).Should().Contain("Phantom");
        (await session.TextAsync("[data-testid=study-date]")).Should().Contain("2026");
        (await session.TextAsync("[data-testid=study-description]")).Should().Contain(Phantom.StudyDescription);
        var series = page.Locator("[data-testid=series]");
        (await series.CountAsync()).Should().Be(1);
        (await series.First.GetAttributeAsync("data-series-uid")).Should().Be(Phantom.DefaultUids.Series);
        (await series.First.InnerTextAsync()).Should().MatchRegex($@"\b{Slices}\b", "the series lists its number of images");
        await session.ScreenshotAsync("overview");

        await session.OpenSeriesAsync();
        (await session.HookAsync<int>("() => window.__dgw.sliceCount()")).Should().Be(Slices);
        await page.Locator("#reset").ClickAsync();
        (await session.TextAsync("[data-testid=wl-indicator]")).Should().MatchRegex(@"W\s*400\b.*L\s*40\b");
        await ExpectGrayAsync(session, Phantom.Water, Phantom.WaterHu, "water");
        await ExpectGrayAsync(session, Phantom.Bone, Phantom.BoneHu, "bone");
        await ExpectGrayAsync(session, Phantom.Air, Phantom.AirHu, "air");

        // Every slice by keyboard, then a few by the hook: the indicator and the drawn marker agree with the slice.
        // Once all are decrypted, so that each key press has a slice to show.
        await page.WaitForFunctionAsync("() => window.__dgw.timings.allDecryptedAt > 0");
        (await session.HookAsync<int>("() => window.__dgw.loaded")).Should().Be(Slices);
        await ExpectSliceAsync(session, 0);
        await page.Locator("#viewport").ClickAsync();
        for (var k = 1; k < Slices; k++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
            await ExpectSliceAsync(session, k);
        }
        foreach (var k in new[] { 0, Slices - 1, Slices / 2, 7 })
        {
            await session.SetSliceAsync(k);
            await ExpectSliceAsync(session, k);
        }
        await session.ScreenshotAsync("viewer");
        session.PageErrors.Should().BeEmpty();

        // E never left the page and T only in the unlock request's body: not in any URL the page asked for, so in no
        // request line; neither is in the gateway's log nor in anything it stored.
        RecipientLink.TryParse(session.Link, out var link).Should().BeTrue();
        var e = Base64Url.EncodeToString(link!.FragmentKey);
        var t = Base64Url.EncodeToString(link.Token);
        var requests = session.Requests;
        requests.Should().Contain(r => r.Url.EndsWith("/api/recipient/unlock", StringComparison.Ordinal) && r.Body != null && r.Body.Contains(t));
        foreach (var (url, body) in requests)
        {
            url.Should().NotContain(t).And.NotContain(e);
            (body ?? "").Should().NotContain(e, url);
        }
        var output = session.Gateway.Output;
        output.Should().NotContain(e).And.NotContain(t).And.NotContain(session.Link);
        foreach (var file in Directory.EnumerateFiles(session.Gateway.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(e)).Should().Be(-1, $"E must not be in {Path.GetFileName(file)}");
            bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(session.Link)).Should().Be(-1, $"the link must not be in {Path.GetFileName(file)}");
        }
    }

    private static async Task ExpectSliceAsync(ViewerSession session, int k)
    {
        var expected = $"{k + 1} / {Slices}";
        await session.Page.WaitForFunctionAsync(
            "t => document.querySelector('[data-testid=slice-indicator]')?.textContent.replace(/\\s+/g, ' ').trim() === t", expected);
        (await session.HookAsync<int>("() => window.__dgw.currentSlice()")).Should().Be(k);
        await ExpectGrayAsync(session, Phantom.Marker, Phantom.MarkerHu(k), $"the marker of slice {k + 1}");
    }

    private static async Task ExpectGrayAsync(ViewerSession session, Phantom.Region region, int hu, string what)
    {
        var expected = Phantom.ExpectedGray(hu);
        var pixel = await session.WaitForGrayAsync(region, expected);
        pixel[0].Should().BeCloseTo((int)Math.Round(expected), 3, $"{what} ({hu} HU) at W 400 / L 40; read [{string.Join(", ", pixel)}]");
        pixel[1].Should().BeCloseTo(pixel[0], 1, "a monochrome image is gray");
        pixel[2].Should().BeCloseTo(pixel[0], 1, "a monochrome image is gray");
    }
}
