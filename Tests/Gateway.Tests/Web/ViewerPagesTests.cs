using System.Net;
using System.Text.RegularExpressions;
using DicomGateway.Web;

namespace Gateway.Tests.Web;

/// <summary>The viewer built from Viewer/ is served by the gateway's own executable, every file under the CSP.</summary>
public sealed partial class ViewerPagesTests
{
    [Fact]
    public async Task The_link_page_and_the_home_page_are_the_viewer_and_its_assets_are_served_under_the_security_headers()
    {
        await using var gw = await GatewayProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = gw.WebBase };

        using var home = await http.GetAsync(new Uri("/", UriKind.Relative));
        home.StatusCode.Should().Be(HttpStatusCode.OK);
        home.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var html = await home.Content.ReadAsStringAsync();
        html.Should().Contain("id=\"code\"").And.Contain("id=\"viewport\"").And.NotContain("<style").And.NotContain("style=\"");
        ShouldCarrySecurityHeaders(home);

        // The link's page ("/s/", T and E in the fragment) and that of a link of the earlier form ("/s/<T>").
        foreach (var path in new[] { "/s/", "/s/" + new string('A', 43) })
        {
            using var link = await http.GetAsync(new Uri(path, UriKind.Relative));
            link.StatusCode.Should().Be(HttpStatusCode.OK, path);
            (await link.Content.ReadAsStringAsync()).Should().Be(html);
            ShouldCarrySecurityHeaders(link);
        }

        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        scripts.Should().NotBeEmpty().And.OnlyContain(s => s.StartsWith("/assets/", StringComparison.Ordinal));
        foreach (var script in scripts)
        {
            using var asset = await http.GetAsync(new Uri(script, UriKind.Relative));
            asset.StatusCode.Should().Be(HttpStatusCode.OK);
            asset.Content.Headers.ContentType!.MediaType.Should().Be("text/javascript");
            ShouldCarrySecurityHeaders(asset);
        }
    }

    private static void ShouldCarrySecurityHeaders(HttpResponseMessage response)
    {
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Be(SecurityHeaders.ContentSecurityPolicy);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        response.Headers.GetValues("Referrer-Policy").Single().Should().Be("no-referrer");
    }

    [GeneratedRegex("<script[^>]*src=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
