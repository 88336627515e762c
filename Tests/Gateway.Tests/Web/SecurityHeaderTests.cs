using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Tests.Web;

/// <summary>
/// Every answer of the gateway's web port, page, asset, API or error, carries the headers that keep the link's
/// secrets in the page: a strict Content-Security-Policy, no Referer, no caching, no MIME sniffing.
/// </summary>
public sealed partial class SecurityHeaderTests : IAsyncLifetime
{
    private GatewayProcess? _gateway;
    private HttpClient? _http;

    private HttpClient Http => _http!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayProcess.StartAsync();
        _http = new HttpClient { BaseAddress = _gateway.WebBase };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_gateway is not null) await _gateway.DisposeAsync();
    }

    public static TheoryData<string, string> Routes() => new()
    {
        { "GET", "/" },
        { "GET", "/s/" },
        { "GET", "/s/" + UnknownToken },
        { "POST", "/api/recipient/unlock" },
        { "POST", "/api/recipient/resend-code" },
        { "GET", "/api/recipient/blobs/1" },
        { "POST", "/api/recipient/downloads" },
        { "GET", "/no/such/page" },
    };

    [Fact]
    public async Task A_download_announcement_without_a_session_is_refused_and_a_malformed_one_is_a_bad_request()
    {
        using var anonymous = await Http.PostAsync("/api/recipient/downloads",
            new StringContent("{\"seriesInstanceUid\": null, \"files\": 3}", Encoding.UTF8, "application/json"));
        anonymous.StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
        using var malformed = await Http.PostAsync("/api/recipient/downloads", new StringContent("{\"files\": ", Encoding.UTF8, "application/json"));
        malformed.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_route_carries_the_security_headers(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = new StringContent("{\"token\": 1", Encoding.UTF8, "application/json");
        using var response = await Http.SendAsync(request);
        ExpectSecurityHeaders(response, $"{method} {path}");
    }

    [Fact]
    public async Task The_viewer_page_and_its_script_carry_the_security_headers()
    {
        using var page = await Http.GetAsync("/s/" + UnknownToken);
        page.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, "the gateway serves the viewer page for any token (its index.html)");
        var html = await page.Content.ReadAsStringAsync();
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        scripts.Should().NotBeEmpty("index.html loads its code from a <script src>, never inline");
        using var asset = await Http.GetAsync(new Uri(new Uri(Http.BaseAddress!, page.RequestMessage!.RequestUri!.AbsolutePath), scripts[0]));
        asset.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, $"the script {scripts[0]} is served");
        ExpectSecurityHeaders(asset, scripts[0]);
        InlineScript().IsMatch(html).Should().BeFalse("the policy forbids inline script, so the page has none");
    }

    private static void ExpectSecurityHeaders(HttpResponseMessage response, string what)
    {
        var csp = Header(response, "Content-Security-Policy");
        csp.Should().NotBeNull($"{what} has a Content-Security-Policy");
        var directives = csp!.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        directives.Should().Contain(d => d.StartsWith("script-src 'self'", StringComparison.Ordinal), what);
        directives.Should().Contain("object-src 'none'", what).And.Contain("base-uri 'none'", what).And.Contain("frame-ancestors 'none'", what);
        directives.Single(d => d.StartsWith("script-src", StringComparison.Ordinal)).Should().NotContain("'unsafe-inline'", what);
        Header(response, "Referrer-Policy").Should().Be("no-referrer", what);
        Header(response, "Cache-Control").Should().Be("no-store", what);
        Header(response, "X-Content-Type-Options").Should().Be("nosniff", what);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var v) || response.Content.Headers.TryGetValues(name, out v) ? string.Join(", ", v) : null;

    /// <summary>A well-formed link token (43 base64url characters) that no shipment has.</summary>
    private const string UnknownToken = "uL9pA3w0DBxxTrJx4GYyrO2uLj2em3qADFGJu8wbFGE";

    [GeneratedRegex(@"<script[^>]*\bsrc=""([^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptSource();

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>\s*\S", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}
