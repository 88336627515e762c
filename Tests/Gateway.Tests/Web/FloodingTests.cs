using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using DicomGateway.Administration;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Gateway.Tests.Web;

/// <summary>
/// Guessing and flooding against the real gateway, all from 127.0.0.1: the per-address rate limits (429 with
/// Retry-After), the bounded audit cost of unknown links, per-recipient code locks and their unlocking, forwarded
/// headers believed only from a listed proxy, and sign-out that ends the session on the server.
/// </summary>
public sealed class FloodingTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("gw-flood-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_hundred_unlock_requests_from_one_address_within_a_second_get_429s_with_Retry_After_and_add_a_bounded_number_of_audit_rows()
    {
        await using var gw = await GatewayProcess.StartAsync(new Dictionary<string, string>
        {
            ["Web__RateLimits__Unlock__PermitLimit"] = "10",
            ["Web__RateLimits__Unlock__WindowSeconds"] = "60",
        });
        var before = await AuditCountAsync(gw);
        using var client = new HttpClient { BaseAddress = gw.WebBase };

        var watch = Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => client.PostAsJsonAsync("/api/recipient/unlock", new
        {
            token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)),
            proof = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)),
        })));
        watch.Stop();
        try
        {
            watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "the flood is sent at once (the limit's window is a minute either way)");
            responses.Count(r => r.StatusCode == HttpStatusCode.NotFound).Should().Be(10, "the first ten are answered: an unknown link is unavailable");
            var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            limited.Should().HaveCount(90);
            foreach (var response in limited)
            {
                response.Headers.RetryAfter.Should().NotBeNull("a 429 says when to come back");
                response.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(1, 60);
                (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be("rate-limited");
            }
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }
        (await AuditCountAsync(gw)).Should().Be(before, "no audit row is written per request");

        (await gw.TerminateAsync()).Should().Be(0);
        await using var db = new SqliteConnection($"Data Source={gw.DatabasePath};Mode=ReadOnly;Pooling=False");
        var rows = (await db.QueryAsync<string>("SELECT detail FROM audit_events WHERE id > @before ORDER BY id", new { before })).ToList();
        var counted = rows.Where(d => d.Contains("unknown link", StringComparison.Ordinal)).ToList();
        counted.Should().NotBeEmpty().And.HaveCountLessThanOrEqualTo(2, "one row per minute (the flood may straddle a minute boundary)");
        counted.Sum(d => JsonDocument.Parse(d).RootElement.GetProperty("count").GetInt64()).Should().Be(10, "the answered attempts are counted, none lost");
        rows.Count.Should().BeLessThanOrEqualTo(4, "the flood adds a bounded number of rows (the rest is the shutdown's own)");
        output.WriteLine($"100 unlock requests sent in {watch.Elapsed.TotalMilliseconds:F0} ms; audit rows added by the flood and the shutdown: {rows.Count}");
    }

    [Fact]
    public async Task Code_resend_and_administrator_sign_in_are_limited_per_address_with_429_and_Retry_After()
    {
        await using var gw = await AdminGateway.StartAsync(new Dictionary<string, string>
        {
            ["Web__RateLimits__CodeResend__PermitLimit"] = "2",
            ["Web__RateLimits__CodeResend__WindowSeconds"] = "600",
            ["Web__RateLimits__SignIn__PermitLimit"] = "3",
            ["Web__RateLimits__SignIn__WindowSeconds"] = "120",
        });
        var anonymous = gw.Anonymous();
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        for (var i = 0; i < 2; i++)
        {
            using var resend = await anonymous.PostAsJsonAsync("/api/recipient/resend-code", new { token });
            resend.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
        using (var limited = await anonymous.PostAsJsonAsync("/api/recipient/resend-code", new { token }))
        {
            limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
            limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(1, 600);
        }

        var client = gw.CookieClient();
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await AdminGateway.LoginAsync(client, "nobody-" + i, "a wrong password");
            wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }
        using (var fourth = await AdminGateway.LoginAsync(client, "admin", AdminGateway.AdminPassword))
        {
            fourth.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "even the right password waits: the limit is on attempts, not failures");
            fourth.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(1, 120);
        }
        using (var page = await anonymous.GetAsync(new Uri("/api/auth/providers", UriKind.Relative)))
            page.StatusCode.Should().Be(HttpStatusCode.OK, "only the guessable endpoints are limited");
    }

    [Fact]
    public async Task Behind_a_listed_proxy_the_client_address_and_https_come_from_the_forwarded_headers_and_each_client_has_its_own_limit()
    {
        await using var gw = await AdminGateway.StartAsync(new Dictionary<string, string>
        {
            ["Web__KnownProxies__0"] = "127.0.0.1",
            ["Web__RateLimits__SignIn__PermitLimit"] = "2",
        });
        var client = gw.Anonymous();
        using (var login = await ForwardedLoginAsync(client, "203.0.113.7", "https", "admin", AdminGateway.AdminPassword))
        {
            login.StatusCode.Should().Be(HttpStatusCode.OK);
            var cookie = login.Headers.GetValues("Set-Cookie").Single();
            cookie.Should().StartWith(AdminAuthentication.SecureCookieName + "=").And.Contain("secure", "the original request was https");
        }
        (await LoginAddressesAsync(gw)).Should().Equal("203.0.113.7");

        using (var logout = await Forwarded(client, HttpMethod.Post, "/api/recipient/logout", "203.0.113.7", "https"))
            logout.Headers.GetValues("Set-Cookie").Single().Should().StartWith("__Host-dgw-session=", "the recipient's cookie follows the original scheme too");

        using (var second = await ForwardedLoginAsync(client, "203.0.113.7", "https", "nobody", "a wrong password")) second.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var third = await ForwardedLoginAsync(client, "203.0.113.7", "https", "nobody", "a wrong password")) third.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        using (var other = await ForwardedLoginAsync(client, "198.51.100.4", "https", "nobody", "a wrong password"))
            other.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "another client behind the same proxy has its own window");
    }

    [Theory]
    [InlineData("Web__KnownNetworks__0", "10.0.0.0/8")]
    [InlineData("Web__KnownProxies__0", "192.0.2.1")]
    public async Task Forwarded_headers_from_a_peer_not_listed_are_ignored(string setting, string value)
    {
        await using var gw = await AdminGateway.StartAsync(new Dictionary<string, string>
        {
            [setting] = value,
            ["Web__RateLimits__SignIn__PermitLimit"] = "2",
        });
        var client = gw.Anonymous();
        using (var login = await ForwardedLoginAsync(client, "203.0.113.7", "https", "admin", AdminGateway.AdminPassword))
        {
            login.StatusCode.Should().Be(HttpStatusCode.OK);
            login.Headers.GetValues("Set-Cookie").Single().Should().StartWith(AdminAuthentication.CookieName + "=").And.NotContain("secure");
        }
        (await LoginAddressesAsync(gw)).Should().Equal("127.0.0.1");
        using (var second = await ForwardedLoginAsync(client, "198.51.100.4", "https", "nobody", "a wrong password")) second.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var third = await ForwardedLoginAsync(client, "198.51.100.5", "https", "nobody", "a wrong password"))
            third.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "a made-up X-Forwarded-For buys no new window");
    }

    [Fact]
    public async Task Malformed_forwarded_headers_from_a_listed_proxy_change_nothing_and_the_request_is_still_answered()
    {
        await using var gw = await AdminGateway.StartAsync(new Dictionary<string, string> { ["Web__KnownProxies__0"] = "127.0.0.1" });
        var client = gw.Anonymous();
        string[][] cases =
        [
            ["not-an-address", "https"],
            ["203.0.113.7, garbage", "https"],
            ["[::1", "https"],
            ["999.1.1.1", "https"],
            ["203.0.113.7", "ht tp"],
            ["203.0.113.7", "javascript:"],
        ];
        foreach (var c in cases)
        {
            using var login = await ForwardedLoginAsync(client, c[0], c[1], "admin", AdminGateway.AdminPassword);
            login.StatusCode.Should().Be(HttpStatusCode.OK, $"X-Forwarded-For '{c[0]}' and X-Forwarded-Proto '{c[1]}' are not an error");
            login.Headers.GetValues("Set-Cookie").Single().Should().StartWith(AdminAuthentication.CookieName + "=", $"'{c[1]}' with '{c[0]}' does not make the request https");
        }
        (await LoginAddressesAsync(gw)).Take(4).Should().OnlyContain(a => a == "127.0.0.1", "an address that does not parse is not believed");
    }

    [Fact]
    public async Task A_copy_of_the_session_cookie_replayed_after_sign_out_is_refused_and_the_accounts_other_session_lives_on()
    {
        await using var gw = await AdminGateway.StartAsync();
        var (username, _) = await gw.CreateAccountAsync(AdminRoles.Operator);
        var (copy, otherSession) = (await SessionCookieAsync(gw, username), await SessionCookieAsync(gw, username));

        using (var me = await WithCookie(gw, HttpMethod.Get, "/api/auth/me", copy)) me.StatusCode.Should().Be(HttpStatusCode.OK);
        using (var logout = await WithCookie(gw, HttpMethod.Post, "/api/auth/logout", copy)) logout.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using (var replay = await WithCookie(gw, HttpMethod.Get, "/api/auth/me", copy))
            replay.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the session ended on the server, whatever the copy of the cookie says");
        using (var replayedChange = await WithCookie(gw, HttpMethod.Post, "/api/auth/logout", copy)) replayedChange.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var other = await WithCookie(gw, HttpMethod.Get, "/api/auth/me", otherSession))
            other.StatusCode.Should().Be(HttpStatusCode.OK, "signing out ends this session only");

        await using var db = new SqliteConnection($"Data Source={gw.Process.DatabasePath};Mode=ReadOnly;Pooling=False");
        var hash = Convert.FromBase64String(await db.ExecuteScalarAsync<string>("SELECT password_hash FROM accounts WHERE username = @username", new { username }) ?? "");
        Administration.PasswordHashingTests.IterationsOf(hash).Should().Be(210_000, "a new password is hashed with PBKDF2-HMAC-SHA512 at OWASP's count");
    }

    [Fact]
    public async Task Five_wrong_codes_for_one_recipient_leave_the_other_able_to_open_and_an_operator_unlocks_the_first()
    {
        var outboxes = new Outboxes(_dir.Path);
        var env = outboxes.Environment();
        env["Routing__Rules__0__Recipients__1__Email"] = "dr.second@example.org";
        env["Routing__Rules__0__Recipients__1__Phone"] = "+420603000001";
        env["Routing__Rules__0__Recipients__1__Language"] = "en";
        env["Administration__InitialAdminPassword"] = AdminGateway.AdminPassword;
        await using var gw = await AdminGateway.StartAsync(env);
        var files = Enumerable.Range(1, 2).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Process.Port.ToString(CultureInfo.InvariantCulture), .. files],
            ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);
        var secrets = await outboxes.WaitForRecipientsAsync(["dr.novak@example.org", "dr.second@example.org"], ["+420603000000", "+420603000001"]);
        using var a = new RecipientClient(gw.BaseAddress, secrets["dr.novak@example.org"].Link, secrets["dr.novak@example.org"].Code);
        using var b = new RecipientClient(gw.BaseAddress, secrets["dr.second@example.org"].Link, secrets["dr.second@example.org"].Code);

        var wrong = secrets["dr.novak@example.org"].Code[0] == 'A' ? "BBBB-BBBB" : "AAAA-AAAA";
        for (var left = 4; left >= 0; left--)
            (await a.UnlockAsync(wrong)).Body.GetProperty("attemptsLeft").GetInt32().Should().Be(left);
        var locked = await a.UnlockAsync();
        locked.Status.Should().Be(HttpStatusCode.NotFound, "a locked recipient does not open even with the right code");
        locked.Body.ToString().Should().Be(JsonSerializer.Serialize(new { error = "unavailable" }), "the same answer as an unknown link");
        (await b.UnlockAsync()).Status.Should().Be(HttpStatusCode.OK, "recipient B was never locked");

        var op = await gw.SignInAsRoleAsync(AdminRoles.Operator);
        var shipmentId = (await op.GetFromJsonAsync<JsonElement>(new Uri("/api/shipments", UriKind.Relative))).GetProperty("items")[0].GetProperty("id").GetInt64();
        var details = await op.GetFromJsonAsync<JsonElement>(new Uri($"/api/shipments/{shipmentId}", UriKind.Relative));
        var recipientA = details.GetProperty("recipients").EnumerateArray().Single(r => r.GetProperty("email").GetString() == "dr.novak@example.org");
        recipientA.GetProperty("failedAttempts").GetInt64().Should().Be(5);
        recipientA.GetProperty("lockedAt").ValueKind.Should().Be(JsonValueKind.String);
        var idA = recipientA.GetProperty("id").GetInt64();

        foreach (var path in new[] { $"/api/shipments/{shipmentId}/recipients/987654/unlock", $"/api/shipments/987654/recipients/{idA}/unlock", $"/api/shipments/{shipmentId}/recipients/x/unlock" })
        {
            using var missing = await op.PostAsync(new Uri(path, UriKind.Relative), null);
            missing.StatusCode.Should().Be(HttpStatusCode.NotFound, path);
        }
        var auditor = await gw.SignInAsRoleAsync(AdminRoles.Auditor);
        using (var refused = await auditor.PostAsync(new Uri($"/api/shipments/{shipmentId}/recipients/{idA}/unlock", UriKind.Relative), null))
            refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await a.UnlockAsync()).Status.Should().Be(HttpStatusCode.NotFound, "still locked");

        using (var unlock = await op.PostAsync(new Uri($"/api/shipments/{shipmentId}/recipients/{idA}/unlock", UriKind.Relative), null))
            unlock.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await a.UnlockAsync()).Status.Should().Be(HttpStatusCode.OK, "unlocked by the operator, the right code opens");

        var after = await op.GetFromJsonAsync<JsonElement>(new Uri($"/api/shipments/{shipmentId}", UriKind.Relative));
        after.GetProperty("state").GetString().Should().Be("active");
        after.GetProperty("events").EnumerateArray().Should().Contain(e => e.GetRawText().Contains("recipient unlocked", StringComparison.Ordinal));

        // The recipient's own hourly limit of SMS resends answers like the per-address limit: 429 with Retry-After.
        DicomGateway.Crypto.RecipientLink.TryParse(secrets["dr.second@example.org"].Link, out var linkB).Should().BeTrue();
        var token = Base64Url.EncodeToString(linkB!.Token);
        var anonymous = gw.Anonymous();
        for (var i = 0; i < 3; i++)
        {
            using var resend = await anonymous.PostAsJsonAsync("/api/recipient/resend-code", new { token });
            resend.StatusCode.Should().Be(HttpStatusCode.Accepted);
        }
        using var fourth = await anonymous.PostAsJsonAsync("/api/recipient/resend-code", new { token });
        fourth.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "Sms:MaxResendsPerHour is 3");
        fourth.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromHours(1));
    }

    [Theory]
    [InlineData("Web__KnownProxies__0", "proxy.example.org", "Web:KnownProxies")]
    [InlineData("Web__KnownNetworks__0", "10.0.0.0/33", "Web:KnownNetworks")]
    [InlineData("Web__RateLimits__Unlock__PermitLimit", "0", "Web:RateLimits:Unlock:PermitLimit")]
    public async Task A_wrong_proxy_or_limit_setting_stops_the_gateway_at_start_naming_the_setting(string setting, string value, string named)
    {
        var start = () => GatewayProcess.StartAsync(new Dictionary<string, string> { [setting] = value });
        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain(named);
    }

    private static Task<HttpResponseMessage> ForwardedLoginAsync(HttpClient client, string forwardedFor, string proto, string username, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { username, password }) };
        request.Headers.Add(AdminAuthentication.CsrfHeader, AdminAuthentication.CsrfHeaderValue);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", proto);
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> Forwarded(HttpClient client, HttpMethod method, string path, string forwardedFor, string proto)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", proto);
        return client.SendAsync(request);
    }

    /// <summary>A fresh sign-in's cookie, as "name=value" (a client without a cookie jar, so the test can copy it).</summary>
    private static async Task<string> SessionCookieAsync(AdminGateway gw, string username)
    {
        var client = gw.Anonymous();
        client.DefaultRequestHeaders.Add(AdminAuthentication.CsrfHeader, AdminAuthentication.CsrfHeaderValue);
        using var login = await AdminGateway.LoginAsync(client, username, AdminGateway.AccountPassword);
        login.StatusCode.Should().Be(HttpStatusCode.OK);
        return login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
    }

    private static async Task<HttpResponseMessage> WithCookie(AdminGateway gw, HttpMethod method, string path, string cookie)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", cookie);
        request.Headers.Add(AdminAuthentication.CsrfHeader, AdminAuthentication.CsrfHeaderValue);
        return await gw.Anonymous().SendAsync(request);
    }

    private static async Task<long> AuditCountAsync(GatewayProcess gw)
    {
        await using var db = new SqliteConnection($"Data Source={gw.DatabasePath};Mode=ReadOnly;Pooling=False");
        return await db.ExecuteScalarAsync<long>("SELECT coalesce(max(id), 0) FROM audit_events");
    }

    /// <summary>The client addresses of the audited password sign-ins, oldest first.</summary>
    private static async Task<List<string>> LoginAddressesAsync(AdminGateway gw)
    {
        await using var db = new SqliteConnection($"Data Source={gw.Process.DatabasePath};Mode=ReadOnly;Pooling=False");
        return [.. await db.QueryAsync<string>(
            "SELECT coalesce(actor_address, '') FROM audit_events WHERE event_id = '110114' AND actor_kind = 'administrator' AND detail LIKE '%\"method\":\"password\"%' ORDER BY id")];
    }
}
