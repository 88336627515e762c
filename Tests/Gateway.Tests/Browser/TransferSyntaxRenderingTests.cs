namespace Gateway.Tests.Browser;

/// <summary>
/// Every transfer syntax a modality may send is decoded and drawn in the browser: uncompressed, RLE, JPEG
/// lossless and baseline, JPEG-LS and JPEG 2000 (see <see cref="CompressedStudies"/>).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TransferSyntaxRenderingTests(BrowserFixture browser) : IDisposable
{
    private readonly TempDirectory _dir = new("gw-syntax-");

    public void Dispose() => _dir.Dispose();

    [BrowserTheory]
    [MemberData(nameof(Variants))]
    public async Task A_study_in_this_transfer_syntax_is_drawn(string name)
    {
        var variant = CompressedStudies.Named(name);
        var file = await CompressedStudies.WriteAsync(variant, Path.Combine(_dir.Path, "study"));
        await using var session = await ViewerSession.StartAsync(browser, _dir.Path, [file], storescuOptions: CompressedStudies.StorescuOptions(variant));
        await session.OpenStudyAsync();
        await session.OpenSeriesAsync();
        await session.Page.Locator("#reset").ClickAsync();

        (await session.TimingsAsync()).GetProperty("firstImageAt").GetDouble().Should().BePositive();
        var (w, h) = await session.ViewportSizeAsync();
        var pixel = await Eventually.PollAsync(() => session.PixelAtAsync(w / 2, h / 2), p => p[3] > 0 && p[0] + p[1] + p[2] > 0,
            TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
        var diagnostics = (await session.Page.EvaluateAsync<System.Text.Json.JsonElement>(
            "async () => ({ voi: window.__dgw.voi(), stored: await window.__dgw.imagePixelAt?.(128, 128), renderer: window.__dgw.renderer })")).ToString();
        pixel[3].Should().BePositive($"the image centre is drawn ({diagnostics})");
        (pixel[0] + pixel[1] + pixel[2]).Should().BePositive($"the image centre is not black: [{string.Join(", ", pixel)}] ({diagnostics})");
        if (!name.StartsWith("jpeg2000", StringComparison.Ordinal))
        {
            // The phantom's centre is water: decoded right, it is the same gray in every syntax (baseline is lossy).
            var tolerance = name == "jpeg-baseline" ? 8 : 3;
            var water = await session.WaitForGrayAsync(Phantom.Water, Phantom.ExpectedGray(Phantom.WaterHu), tolerance);
            water[0].Should().BeCloseTo((int)Math.Round(Phantom.ExpectedGray(Phantom.WaterHu)), (uint)tolerance, "water at W 400 / L 40");
        }
        (await session.Page.Locator("body").InnerTextAsync()).Should().NotContainEquivalentOf("error");
        session.PageErrors.Should().BeEmpty();
    }

    public static TheoryData<string> Variants() => [.. CompressedStudies.All.Select(v => v.Name)];
}
