using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using DicomGateway.Administration;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Administration;

/// <summary>Sign-in, lockout, forced password change, sessions ended by account changes, and the CSRF header.</summary>
public sealed partial class SignInTests
{
    [Fact]
    public async Task On_first_start_the_administrator_gets_a_one_time_password_in_the_log_and_must_change_it_before_anything_else()
    {
        await using var gw = await AdminGateway.StartAsync(withInitialPassword: false);
        (await gw.Process.WaitForOutputAsync("One-time password:")).Should().BeTrue();
        var logLine = gw.Process.Output.Split('\n').Single(l => l.Contains("One-time password:", StringComparison.Ordinal));
        gw.Process.Output.Should().Contain("WARN", "the one-time password stands out at Warning").And.Contain("change it now");
        var password = OneTimePassword().Match(logLine).Groups[1].Value;
        password.Length.Should().BeGreaterThanOrEqualTo(PasswordPolicy.MinimumLength);

        var client = await gw.SignInAsync(InitialAdministrator.Username, password);
        var me = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/auth/me", UriKind.Relative));
        me.GetProperty("mustChangePassword").GetBoolean().Should().BeTrue();
        using (var refused = await client.GetAsync(new Uri("/api/shipments", UriKind.Relative)))
        {
            refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await refused.Content.ReadAsStringAsync()).Should().Contain("password-change-required");
        }
        using (var weak = await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = password, newPassword = "admin" }))
            weak.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using (var sameAsName = await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = password, newPassword = "ADMIN" }))
            sameAsName.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using (var changed = await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = password, newPassword = "a new and long password" }))
            changed.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var allowed = await client.GetAsync(new Uri("/api/shipments", UriKind.Relative));
        allowed.StatusCode.Should().Be(HttpStatusCode.OK, "the same session continues with the new password");

        using var again = await AdminGateway.LoginAsync(gw.CookieClient(), InitialAdministrator.Username, password);
        again.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the one-time password is spent");
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_until_an_administrator_unlocks_it_and_every_attempt_is_audited()
    {
        await using var gw = await AdminGateway.StartAsync(new Dictionary<string, string> { ["Administration__MaxFailedSignIns"] = "3" });
        var (username, id) = await gw.CreateAccountAsync(AdminRoles.Operator);
        var client = gw.CookieClient();
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await AdminGateway.LoginAsync(client, username, "not the password at all");
            wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }
        using (var locked = await AdminGateway.LoginAsync(client, username, AdminGateway.AccountPassword))
        {
            locked.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the right password does not open a locked account");
            (await locked.Content.ReadAsStringAsync()).Should().Be("{\"error\":\"invalid-credentials\"}");
        }
        var admin = await gw.AdminAsync();
        var accounts = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/accounts", UriKind.Relative));
        accounts.EnumerateArray().Single(a => a.GetProperty("id").GetInt64() == id).GetProperty("lockedUntil").ValueKind.Should().Be(JsonValueKind.String);

        using (var unlock = await admin.PostAsync(new Uri($"/api/accounts/{id}/unlock", UriKind.Relative), null)) unlock.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using (var open = await AdminGateway.LoginAsync(client, username, AdminGateway.AccountPassword)) open.StatusCode.Should().Be(HttpStatusCode.OK);

        await using var db = new SqliteConnection($"Data Source={gw.Process.DatabasePath};Mode=ReadOnly");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT outcome, detail FROM audit_events WHERE event_id = '110114' AND actor = $u ORDER BY id";
        cmd.Parameters.AddWithValue("$u", username);
        var rows = new List<(long Outcome, string Detail)>();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        // The first success is the sign-in with the one-time password when the account was made.
        rows.Select(r => r.Outcome).Should().Equal(0, 4, 4, 4, 4, 0);
        rows[3].Detail.Should().Contain("\"locked\":true");
        rows[4].Detail.Should().Contain("\"result\":\"locked\"");
    }

    [Fact]
    public async Task An_unknown_user_a_wrong_password_and_a_locked_account_get_the_same_answer_in_about_the_same_time()
    {
        await using var gw = await AdminGateway.StartAsync(new Dictionary<string, string> { ["Administration__MaxFailedSignIns"] = "1" });
        var (locked, _) = await gw.CreateAccountAsync(AdminRoles.Auditor);
        var client = gw.CookieClient();
        using (var lockIt = await AdminGateway.LoginAsync(client, locked, "wrong password here")) lockIt.StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        async Task<(string Body, double Ms)> Attempt(string username, string password)
        {
            var watch = Stopwatch.StartNew();
            using var response = await AdminGateway.LoginAsync(client, username, password);
            watch.Stop();
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            return (await response.Content.ReadAsStringAsync(), watch.Elapsed.TotalMilliseconds);
        }

        var timings = new Dictionary<string, List<double>> { ["unknown"] = [], ["wrong"] = [], ["locked"] = [] };
        var bodies = new HashSet<string>();
        await Attempt("warm-up", "x");
        for (var i = 0; i < 7; i++)
        {
            foreach (var (kind, name, password) in new[] { ("unknown", "nobody-" + i, "some password"), ("wrong", "admin", "wrong password " + i), ("locked", locked, AdminGateway.AccountPassword) })
            {
                var (body, ms) = await Attempt(name, password);
                bodies.Add(body);
                timings[kind].Add(ms);
            }
        }
        bodies.Should().ContainSingle().Which.Should().Be("{\"error\":\"invalid-credentials\"}");
        var medians = timings.ToDictionary(t => t.Key, t => t.Value.Order().ElementAt(t.Value.Count / 2));
        var wrongMs = medians["wrong"];
        // Wide bounds: the machines are shared and noisy. Skipping the hash would answer in about a millisecond
        // against tens of milliseconds, far outside them.
        medians["unknown"].Should().BeInRange(wrongMs * 0.25, wrongMs * 4, "an unknown name costs a password hash too");
        medians["locked"].Should().BeInRange(wrongMs * 0.25, wrongMs * 4, "a locked account costs a password hash too");
    }

    [Fact]
    public async Task Changing_the_password_ends_the_other_sessions_of_the_account_and_keeps_this_one()
    {
        await using var gw = await AdminGateway.StartAsync();
        var (username, _) = await gw.CreateAccountAsync(AdminRoles.Operator);
        var here = await gw.SignInAsync(username, AdminGateway.AccountPassword);
        var elsewhere = await gw.SignInAsync(username, AdminGateway.AccountPassword);
        using (var before = await elsewhere.GetAsync(new Uri("/api/auth/me", UriKind.Relative))) before.StatusCode.Should().Be(HttpStatusCode.OK);

        using (var changed = await here.PostAsJsonAsync("/api/auth/password", new { currentPassword = AdminGateway.AccountPassword, newPassword = "another long password" }))
            changed.StatusCode.Should().Be(HttpStatusCode.NoContent);

        using (var ended = await elsewhere.GetAsync(new Uri("/api/auth/me", UriKind.Relative))) ended.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var kept = await here.GetAsync(new Uri("/api/auth/me", UriKind.Relative))) kept.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Disabling_an_account_or_resetting_its_password_ends_its_sessions_at_once()
    {
        await using var gw = await AdminGateway.StartAsync();
        var admin = await gw.AdminAsync();
        var (first, firstId) = await gw.CreateAccountAsync(AdminRoles.Operator);
        var (second, secondId) = await gw.CreateAccountAsync(AdminRoles.Auditor);
        var firstSession = await gw.SignInAsync(first, AdminGateway.AccountPassword);
        var secondSession = await gw.SignInAsync(second, AdminGateway.AccountPassword);

        using (var disable = await admin.PutAsJsonAsync($"/api/accounts/{firstId}", new { displayName = "Disabled", roles = new[] { "operator" }, disabled = true }))
            disable.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using (var reset = await admin.PostAsync(new Uri($"/api/accounts/{secondId}/reset-password", UriKind.Relative), null))
            reset.StatusCode.Should().Be(HttpStatusCode.OK);

        using (var a = await firstSession.GetAsync(new Uri("/api/shipments", UriKind.Relative))) a.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var b = await secondSession.GetAsync(new Uri("/api/audit", UriKind.Relative))) b.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var c = await AdminGateway.LoginAsync(gw.CookieClient(), first, AdminGateway.AccountPassword)) c.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_last_administrator_can_be_neither_deleted_nor_demoted()
    {
        await using var gw = await AdminGateway.StartAsync();
        var admin = await gw.AdminAsync();
        var accounts = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/accounts", UriKind.Relative));
        var adminId = accounts.EnumerateArray().Single(a => a.GetProperty("username").GetString() == "admin").GetProperty("id").GetInt64();
        using (var delete = await admin.DeleteAsync(new Uri($"/api/accounts/{adminId}", UriKind.Relative))) delete.StatusCode.Should().Be(HttpStatusCode.Conflict);
        using (var demote = await admin.PutAsJsonAsync($"/api/accounts/{adminId}", new { displayName = "x", roles = new[] { "auditor" }, disabled = false }))
            demote.StatusCode.Should().Be(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_cookie_authenticated_change_without_the_CSRF_header_is_refused_and_with_it_goes_through()
    {
        await using var gw = await AdminGateway.StartAsync();
        var withHeader = await gw.AdminAsync();
        withHeader.DefaultRequestHeaders.Contains("X-Requested-With").Should().BeTrue();

        var bare = gw.CookieClient(csrfHeader: false);
        using (var login = await AdminGateway.LoginAsync(bare, "admin", AdminGateway.AdminPassword))
            login.StatusCode.Should().Be(HttpStatusCode.BadRequest, "the sign-in is held to the same rule");
        bare.DefaultRequestHeaders.Add("X-Requested-With", "DicomGateway");
        using (var login = await AdminGateway.LoginAsync(bare, "admin", AdminGateway.AdminPassword)) login.StatusCode.Should().Be(HttpStatusCode.OK);
        bare.DefaultRequestHeaders.Remove("X-Requested-With");

        using (var read = await bare.GetAsync(new Uri("/api/accounts", UriKind.Relative))) read.StatusCode.Should().Be(HttpStatusCode.OK, "reads need no header");
        using (var change = await bare.PostAsJsonAsync("/api/api-keys", new { name = "x", role = "operator" }))
        {
            change.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await change.Content.ReadAsStringAsync()).Should().Contain("csrf");
        }
        using (var delete = await bare.DeleteAsync(new Uri("/api/api-keys/1", UriKind.Relative))) delete.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using (var ok = await withHeader.PostAsJsonAsync("/api/api-keys", new { name = "x", role = "operator" })) ok.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_configured_initial_password_is_never_logged_and_user_names_are_unique_whatever_their_case()
    {
        await using var gw = await AdminGateway.StartAsync();
        (await gw.Process.WaitForOutputAsync("Administration:InitialAdminPassword")).Should().BeTrue();
        gw.Process.Output.Should().NotContain(AdminGateway.AdminPassword).And.NotContain("One-time password");

        var admin = await gw.AdminAsync();
        using (var first = await admin.PostAsJsonAsync("/api/accounts", new { username = "jnovak", displayName = "Jan Novák", roles = new[] { "operator" } }))
            first.StatusCode.Should().Be(HttpStatusCode.OK);
        using (var second = await admin.PostAsJsonAsync("/api/accounts", new { username = "JNovak", displayName = "Another", roles = new[] { "auditor" } }))
            second.StatusCode.Should().Be(HttpStatusCode.Conflict);
        using (var invalid = await admin.PostAsJsonAsync("/api/accounts", new { username = "a b", roles = new[] { "root" } }))
        {
            invalid.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            errors.TryGetProperty("username", out _).Should().BeTrue();
            errors.TryGetProperty("roles", out _).Should().BeTrue();
        }
    }

    [Fact]
    public async Task The_recipient_API_the_viewer_pages_and_unknown_paths_need_no_administration_sign_in()
    {
        await using var gw = await AdminGateway.StartAsync();
        var anonymous = gw.Anonymous();
        using (var unlock = await anonymous.PostAsJsonAsync("/api/recipient/unlock", new { token = "x", proof = "y" }))
            unlock.StatusCode.Should().Be(HttpStatusCode.BadRequest, "the recipient API answers for itself");
        using (var page = await anonymous.GetAsync(new Uri("/s/" + new string('A', 43), UriKind.Relative)))
            page.StatusCode.Should().NotBe(HttpStatusCode.Unauthorized);
        using (var unknown = await anonymous.GetAsync(new Uri("/api/no-such-thing", UriKind.Relative)))
            unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_session_cookie_is_HttpOnly_SameSite_Strict_and_named_for_plain_HTTP()
    {
        await using var gw = await AdminGateway.StartAsync();
        var client = gw.Anonymous();
        client.DefaultRequestHeaders.Add("X-Requested-With", "DicomGateway");
        using var login = await AdminGateway.LoginAsync(client, "admin", AdminGateway.AdminPassword);
        var cookie = login.Headers.GetValues("Set-Cookie").Single();
        cookie.Should().StartWith("dgw-admin=").And.Contain("httponly").And.Contain("samesite=strict").And.Contain("path=/");
        cookie.Should().NotContain("expires", "a session cookie ends with the browser; the server ends it after idle time");
    }

    [GeneratedRegex(@"One-time password: (\S+)")]
    private static partial Regex OneTimePassword();
}
