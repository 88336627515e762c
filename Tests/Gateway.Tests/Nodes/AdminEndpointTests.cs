using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using DicomGateway.Hosting;
using DicomGateway.Audit;
using DicomGateway.Forwarding;
using DicomGateway.Nodes;
using Gateway.Tests.Forwarding;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Nodes;

/// <summary>
/// The node and forward endpoints as the administration module maps them (every registered IAdminEndpoints under
/// /api), on Kestrel at 127.0.0.1, behind a test sign-in that is always "admin.novak" with every role.
/// </summary>
public sealed class AdminEndpointTests : IAsyncLifetime
{
    private readonly ForwardingHarness _gateway = new();
    private WebApplication? _app;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(_gateway.Nodes).AddSingleton(_gateway.Queue)
            .AddSingleton(sp => new NodeVerifier(_gateway.Nodes, Options.Create(new DicomKit.Network.DicomListenerOptions { AeTitle = "GWAPI" }),
                sp.GetRequiredService<ILoggerFactory>(), TimeProvider.System, sp.GetRequiredService<ILogger<NodeVerifier>>()))
            .AddSingleton<IAdminEndpoints, NodeEndpoints>().AddSingleton<IAdminEndpoints, ForwardEndpoints>();
        builder.Services.AddAuthentication("test").AddScheme<AuthenticationSchemeOptions, TestSignIn>("test", null);
        builder.Services.AddAuthorization(o =>
        {
            foreach (var policy in new[] { AdminPolicies.View, AdminPolicies.Administer, AdminPolicies.Resend, AdminPolicies.Audit, AdminPolicies.SignedIn })
                o.AddPolicy(policy, p => p.RequireAuthenticatedUser());
        });
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        var api = _app.MapGroup("/api");
        foreach (var endpoints in _app.Services.GetServices<IAdminEndpoints>()) endpoints.Map(api);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task Nodes_are_created_listed_changed_tested_and_deleted_through_the_api()
    {
        var created = await _http.PostAsJsonAsync("/api/nodes", new { name = "Archive", aeTitle = "ARCHIVE", host = "127.0.0.1", port = LoopbackPort.Free(), forwardDestination = true });
        created.StatusCode.Should().Be(HttpStatusCode.OK);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var echo = await _http.PostAsync($"/api/nodes/{id}/echo", null);
        var echoed = await echo.Content.ReadFromJsonAsync<JsonElement>();
        echoed.GetProperty("ok").GetBoolean().Should().BeFalse();
        echoed.GetProperty("message").GetString().Should().StartWith("Cannot connect");
        echoed.GetProperty("milliseconds").GetInt64().Should().BeGreaterThanOrEqualTo(0);

        var list = await _http.GetFromJsonAsync<JsonElement>("/api/nodes");
        var node = list.EnumerateArray().Should().ContainSingle().Subject;
        node.GetProperty("aeTitle").GetString().Should().Be("ARCHIVE");
        node.GetProperty("allowedToSend").GetBoolean().Should().BeFalse();
        node.GetProperty("forwardDestination").GetBoolean().Should().BeTrue();
        node.GetProperty("lastEcho").GetProperty("ok").GetBoolean().Should().BeFalse();
        node.GetProperty("lastEcho").GetProperty("at").GetString().Should().NotBeNullOrEmpty();

        (await _http.PutAsJsonAsync($"/api/nodes/{id}", new { name = "Archive", aeTitle = "ARCHIVE2", host = "pacs.example.org", port = 104 })).StatusCode
            .Should().Be(HttpStatusCode.NoContent);
        (await _http.PutAsJsonAsync($"/api/nodes/{id + 9}", new { name = "X", aeTitle = "X", host = "x", port = 104 })).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _http.DeleteAsync($"/api/nodes/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _http.DeleteAsync($"/api/nodes/{id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _http.PostAsync($"/api/nodes/{id}/echo", null)).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var audit = await _gateway.AuditAsync();
        audit.Where(a => a.EventId == AuditEventIds.SecurityAlert).Should().HaveCount(3).And.OnlyContain(a => a.Actor == "admin.novak");
    }

    [Fact]
    public async Task An_invalid_node_gets_400_with_the_fields_and_a_node_in_use_gets_409()
    {
        var invalid = await _http.PostAsJsonAsync("/api/nodes", new { name = "", aeTitle = "WAY_TOO_LONG_AE_TITLE", host = "no such host", port = 0 });
        invalid.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var body = await invalid.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("error").GetString().Should().Be("invalid");
        body.GetProperty("errors").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("name", "aeTitle", "host", "port");

        var study = await _gateway.SeedStudyAsync(1);
        var node = await _gateway.AddNodeAsync(LoopbackPort.Free(), "INUSE");
        var forward = await _gateway.EnqueueAsync(study.StudyId, node);
        var conflict = await _http.DeleteAsync($"/api/nodes/{node}");
        conflict.StatusCode.Should().Be(HttpStatusCode.Conflict);
        var why = await conflict.Content.ReadFromJsonAsync<JsonElement>();
        why.GetProperty("error").GetString().Should().Be("conflict");
        why.GetProperty("message").GetString().Should().Contain("queued");

        var forwards = await _http.GetFromJsonAsync<JsonElement>("/api/forwards?state=queued");
        var row = forwards.EnumerateArray().Should().ContainSingle().Subject;
        row.GetProperty("id").GetInt64().Should().Be(forward);
        row.GetProperty("aeTitle").GetString().Should().Be("INUSE");
        row.GetProperty("state").GetString().Should().Be("queued");
        row.GetProperty("instanceCount").GetInt64().Should().Be(1);
        (await _http.GetAsync("/api/forwards?state=bogus")).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        (await _http.PostAsync($"/api/forwards/{forward}/retry", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _http.PostAsync($"/api/forwards/{forward}/cancel", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var again = await _http.PostAsync($"/api/forwards/{forward}/cancel", null);
        again.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await _http.PostAsync("/api/forwards/424242/retry", null)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _http.DeleteAsync($"/api/nodes/{node}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    private sealed class TestSignIn(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin.novak")], "test");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "test")));
        }
    }
}
