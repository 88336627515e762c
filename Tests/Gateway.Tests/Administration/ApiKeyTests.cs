using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DicomGateway.Administration;

namespace Gateway.Tests.Administration;

public sealed class ApiKeyTests(AdminGatewayFixture fixture) : IClassFixture<AdminGatewayFixture>
{
    [Fact]
    public async Task A_key_works_for_its_role_records_its_last_use_and_stops_working_once_revoked()
    {
        var gw = fixture.Gateway;
        var (id, key) = await gw.CreateApiKeyAsync(AdminRoles.Operator, "RIS integration");
        key.Should().MatchRegex("^dgw_[A-Za-z0-9_-]{43}$");
        var client = gw.ApiKeyClient(key);

        using (var allowed = await client.GetAsync(new Uri("/api/shipments", UriKind.Relative))) allowed.StatusCode.Should().Be(HttpStatusCode.OK);
        using (var forbidden = await client.GetAsync(new Uri("/api/accounts", UriKind.Relative))) forbidden.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var me = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/auth/me", UriKind.Relative));
        me.GetProperty("method").GetString().Should().Be("api-key");
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Should().Equal("operator");

        using (var noCsrfNeeded = await client.PostAsJsonAsync("/api/shipments/999999/resend", new { recipientId = 1, channel = "sms" }))
            noCsrfNeeded.StatusCode.Should().Be(HttpStatusCode.NotFound, "a key is not a cookie: no CSRF header is needed");

        var admin = await gw.AdminAsync();
        var listed = (await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/api-keys", UriKind.Relative))).EnumerateArray().Single(k => k.GetProperty("id").GetInt64() == id);
        listed.GetProperty("prefix").GetString().Should().Be(key[..12]);
        listed.GetProperty("lastUsedAt").ValueKind.Should().Be(JsonValueKind.String);
        listed.GetProperty("createdBy").GetString().Should().Be("admin");
        listed.ToString().Should().NotContain(key);

        using (var revoke = await admin.DeleteAsync(new Uri($"/api/api-keys/{id}", UriKind.Relative))) revoke.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using (var refused = await client.GetAsync(new Uri("/api/shipments", UriKind.Relative))) refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var twice = await admin.DeleteAsync(new Uri($"/api/api-keys/{id}", UriKind.Relative))) twice.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("dgw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not-a-key")]
    [InlineData("dgw_short")]
    public async Task An_unknown_or_malformed_key_is_refused_and_never_falls_back_to_the_cookie(string key)
    {
        var gw = fixture.Gateway;
        var signedIn = await gw.SignInAsRoleAsync(AdminRoles.Administrator);
        signedIn.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await signedIn.GetAsync(new Uri("/api/shipments", UriKind.Relative));
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Only_known_roles_can_be_given_to_a_key()
    {
        var admin = await fixture.Gateway.AdminAsync();
        using var response = await admin.PostAsJsonAsync("/api/api-keys", new { name = "x", role = "root" });
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("\"role\"");
    }
}
