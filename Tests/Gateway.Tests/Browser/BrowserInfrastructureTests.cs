namespace Gateway.Tests.Browser;

/// <summary>
/// The browser the viewer tests stand on, proven without the viewer: Chromium starts from its Debian path, draws
/// on a canvas and in WebGL (software), and reads the real gateway's answers.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserInfrastructureTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task Chromium_draws_on_a_canvas_and_in_WebGL_and_the_test_reads_the_pixels_back()
    {
        var page = await browser.NewPageAsync();
        try
        {
            await page.GotoAsync("data:text/html,<canvas id=c width=64 height=64></canvas>");
            var pixel = await page.EvaluateAsync<int[]>("""
                () => { const g = document.getElementById('c').getContext('2d');
                        g.fillStyle = 'rgb(102, 200, 31)'; g.fillRect(0, 0, 64, 64);
                        return Array.from(g.getImageData(32, 32, 1, 1).data); }
                """);
            pixel.Should().Equal(102, 200, 31, 255);

            var gl = await page.EvaluateAsync<int[]>("""
                () => { const c = document.createElement('canvas'); c.width = c.height = 8;
                        const gl = c.getContext('webgl2', { preserveDrawingBuffer: true });
                        if (!gl) return [];
                        gl.clearColor(1, 0.5, 0, 1); gl.clear(gl.COLOR_BUFFER_BIT);
                        const p = new Uint8Array(4); gl.readPixels(4, 4, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, p); return Array.from(p); }
                """);
            gl.Should().HaveCount(4, "WebGL 2 is available headless through SwiftShader");
            gl[0].Should().Be(255);
            gl[1].Should().BeInRange(127, 128);
            gl[2].Should().Be(0);
        }
        finally
        {
            await page.Context.DisposeAsync();
        }
    }

    [BrowserFact]
    public async Task Chromium_reads_the_running_gateway_and_sees_its_security_headers()
    {
        await using var gw = await GatewayProcess.StartAsync();
        var page = await browser.NewPageAsync();
        try
        {
            var response = await page.GotoAsync(new Uri(gw.WebBase, "/api/recipient/blobs/1").ToString());
            response!.Status.Should().Be(401);
            (await response.TextAsync()).Should().Be("""{"error":"no-session"}""");
            var headers = await response.AllHeadersAsync();
            headers["content-security-policy"].Should().Contain("script-src 'self'");
            headers["referrer-policy"].Should().Be("no-referrer");
        }
        finally
        {
            await page.Context.DisposeAsync();
        }
    }
}
