using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using DicomGateway.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Web;

/// <summary>
/// No request line reaches the log: the framework's request logging (which writes the path, and a link of the
/// earlier form has T in its path) stays below the floor whatever the settings say, and after a recipient's whole
/// visit the gateway's output holds neither T nor E.
/// </summary>
public sealed class RequestLineLoggingTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-reqlog-");

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// Settings that turn every category up to Trace, the request lines' own categories by name too, and let NLog's
    /// rules alone decide (as NLog does unless appsettings.json says otherwise).
    /// </summary>
    private static readonly Dictionary<string, string> EverythingAtTrace = new()
    {
        ["Logging__LogLevel__Default"] = "Trace",
        ["Logging__LogLevel__Microsoft"] = "Trace",
        ["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace",
        ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        ["Logging__LogLevel__Microsoft.AspNetCore.Routing"] = "Trace",
        ["Logging__LogLevel__Microsoft.AspNetCore.HttpLogging"] = "Trace",
        ["Logging__NLog__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        ["Logging__NLog__RemoveLoggerFactoryFilter"] = "true",
        ["NLog__rules__0__minLevel"] = "Trace",
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_a_recipient_s_visit_by_either_link_form_the_gateway_s_log_holds_neither_T_nor_E(bool everythingAtTrace)
    {
        var outboxes = new Outboxes(_dir.Path);
        var environment = outboxes.Environment();
        if (everythingAtTrace) foreach (var (k, v) in EverythingAtTrace) environment[k] = v;
        await using var gw = await GatewayProcess.StartAsync(environment);
        var files = Enumerable.Range(1, 2).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);
        var (link, code) = await outboxes.WaitForNotificationAsync();
        var (t, e) = RecipientLinks.Texts(link);
        new Uri(link).AbsolutePath.Should().Be("/s/", "the e-mailed link has nothing secret in its path");

        using var recipient = new RecipientClient(gw.WebBase, link, code);
        foreach (var path in new[] { "/s/", "/s/" + t })
        {
            using var page = await recipient.GetAsync(path);
            page.StatusCode.Should().Be(HttpStatusCode.OK, $"the viewer page answers {path}");
        }
        foreach (var path in new[] { "/s", $"/s/{t}?{e}", "/no/such/" + t, "/api/recipient/blobs/" + t })
        {
            using var other = await recipient.GetAsync(path);
            ((int)other.StatusCode).Should().BeLessThan(500, path);
        }
        var unlocked = await recipient.UnlockAsync();
        unlocked.Status.Should().Be(HttpStatusCode.OK, unlocked.Body.ToString());
        var manifest = await recipient.ManifestAsync();
        foreach (var instance in manifest.Series.SelectMany(s => s.Instances)) await recipient.DecryptBlobAsync(instance.Ordinal);
        using (var http = new HttpClient { BaseAddress = gw.WebBase })
        using (var resend = await http.PostAsJsonAsync("/api/recipient/resend-code", new { token = t }))
            ((int)resend.StatusCode).Should().BeLessThan(500);
        // A wrong code and an unknown token take the paths that write warnings and audit rows.
        using (var wrong = new RecipientClient(gw.WebBase, RecipientLinks.WithUnknownToken(link), code))
            (await wrong.UnlockAsync()).Status.Should().Be(HttpStatusCode.NotFound);

        // Log lines arrive asynchronously: a clean stop flushes them all before the scan.
        (await gw.TerminateAsync()).Should().Be(0);
        var output = gw.Output;
        if (everythingAtTrace)
            output.Should().Contain("HostFilteringMiddleware", "the framework's own Trace messages are logged, so only the floor keeps the request lines out");
        var logs = new StringBuilder(output);
        foreach (var file in Directory.EnumerateFiles(gw.DataDirectory, "*.log", SearchOption.AllDirectories)) logs.Append(await File.ReadAllTextAsync(file));
        var text = logs.ToString();
        text.Should().NotContain("Request starting").And.NotContain("Request finished");
        foreach (var (name, secret) in new[] { ("T", t), ("E", e) })
        {
            var bytes = Base64Url.DecodeFromChars(secret);
            foreach (var form in new[] { secret, Convert.ToHexString(bytes), Convert.ToHexStringLower(bytes), Convert.ToBase64String(bytes) })
                text.Should().NotContainEquivalentOf(form, $"{name} must not be in the log");
            for (var i = 0; i + 8 <= secret.Length; i += 4)
                text.Should().NotContain(secret.Substring(i, 8), $"no part of {name} may be in the log");
        }
    }

    [Fact]
    public void The_floor_holds_against_rules_that_turn_request_lines_up_for_every_provider_or_one()
    {
        var capture = new CapturingLoggerProvider();
        using var services = new ServiceCollection()
            .AddLogging(logging =>
            {
                logging.SetMinimumLevel(LogLevel.Trace);
                logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Trace);
                logging.AddFilter("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Trace);
                logging.AddFilter<CapturingLoggerProvider>("Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", LogLevel.Trace);
                logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace);
                logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", _ => true);
                logging.AddProvider(capture);
            })
            .AddGatewayWeb()
            .BuildServiceProvider();
        var factory = services.GetRequiredService<ILoggerFactory>();

        foreach (var category in new[] { "Microsoft.AspNetCore.Hosting.Diagnostics", "Microsoft.AspNetCore.Routing.EndpointMiddleware",
                     "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", "Microsoft.AspNetCore.StaticFiles.StaticFileMiddleware",
                     "Microsoft.AspNetCore.Server.Kestrel.BadRequests" })
        {
            var logger = factory.CreateLogger(category);
            foreach (var level in new[] { LogLevel.Trace, LogLevel.Debug, LogLevel.Information })
            {
                logger.IsEnabled(level).Should().BeFalse($"{category} at {level}");
                logger.Log(level, "Request starting GET /s/secret");
            }
            logger.IsEnabled(LogLevel.Warning).Should().BeTrue($"{category} still warns");
        }
        capture.Entries.Should().BeEmpty();
        factory.CreateLogger("Microsoft.AspNetCore.HostingX").IsEnabled(LogLevel.Trace).Should().BeTrue("only the named categories and those below them are held back");
        factory.CreateLogger("DicomGateway.Web.RecipientEndpoints").IsEnabled(LogLevel.Debug).Should().BeTrue();
        factory.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information).Should().BeTrue();
    }

    [Theory]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Information, false)]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning, true)]
    [InlineData("Microsoft.AspNetCore.Routing.Matching.DfaMatcher", LogLevel.Debug, false)]
    [InlineData("Microsoft.AspNetCore.RoutingX", LogLevel.Debug, true)]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error, true)]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel.Connections", LogLevel.Debug, false)]
    [InlineData("microsoft.aspnetcore.hosting.diagnostics", LogLevel.Information, false)]
    [InlineData("", LogLevel.Trace, true)]
    [InlineData(null, LogLevel.Trace, true)]
    public void The_floor_holds_back_only_its_categories_below_warnings(string? category, LogLevel level, bool allowed)
    {
        RequestLineLogging.Allows(category, level).Should().Be(allowed);
    }
}
