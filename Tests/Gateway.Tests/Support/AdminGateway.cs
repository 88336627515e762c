using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DicomGateway.Administration;

namespace Gateway.Tests.Support;

/// <summary>
/// The real gateway process (<see cref="GatewayProcess"/>) with a known administrator password, and authenticated
/// clients for the administration API. For any feature's API tests:
/// <code>
/// await using var gw = await AdminGateway.StartAsync();
/// using var admin = await gw.SignInAsRoleAsync(AdminRoles.Administrator);    // cookie session, CSRF header set
/// using var op = await gw.ApiKeyClientAsync(AdminRoles.Operator);      // Authorization: Bearer dgw_...
/// using var nobody = gw.Anonymous();
/// </code>
/// Each <see cref="SignInAsRoleAsync"/> makes a new account of that role (its one-time password already changed),
/// so tests do not share sessions unless they mean to.
/// </summary>
public sealed class AdminGateway : IAsyncDisposable
{
    public const string AdminPassword = "initial-admin-password-for-tests";

    /// <summary>The password every account made by <see cref="CreateAccountAsync"/> ends up with.</summary>
    public const string AccountPassword = "a-long-enough-test-password";

    private readonly List<HttpClient> _clients = [];
    private HttpClient? _admin;
    private int _accounts;

    private AdminGateway(GatewayProcess process) => Process = process;

    public GatewayProcess Process { get; }

    public Uri BaseAddress => Process.WebBase;

    /// <summary>
    /// Starts the gateway with Administration:InitialAdminPassword = <see cref="AdminPassword"/> (unless
    /// <paramref name="withInitialPassword"/> is false: then the one-time password is in the log) and any further settings.
    /// </summary>
    /// With <paramref name="dataDirectory"/> the gateway uses (and keeps) that directory, so a test can restart it.
    public static async Task<AdminGateway> StartAsync(IDictionary<string, string>? environment = null, bool withInitialPassword = true, string? dataDirectory = null,
        int? port = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        if (withInitialPassword) env.TryAdd("Administration__InitialAdminPassword", AdminPassword);
        return new AdminGateway(await GatewayProcess.StartAsync(env, dataDirectory: dataDirectory, port: port));
    }

    /// <summary>A client with no credentials (and no cookie jar).</summary>
    public HttpClient Anonymous() => Track(new HttpClient { BaseAddress = BaseAddress });

    /// <summary>A client with a cookie jar and the CSRF header, not yet signed in.</summary>
    public HttpClient CookieClient(bool csrfHeader = true)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = BaseAddress };
        if (csrfHeader) client.DefaultRequestHeaders.Add(AdminAuthentication.CsrfHeader, AdminAuthentication.CsrfHeaderValue);
        return Track(client);
    }

    /// <summary>Signs in with a name and password; throws unless the gateway accepts them.</summary>
    public async Task<HttpClient> SignInAsync(string username, string password)
    {
        var client = CookieClient();
        using var response = await LoginAsync(client, username, password);
        response.StatusCode.Should().Be(HttpStatusCode.OK, $"{username} signs in: {await response.Content.ReadAsStringAsync()}");
        return client;
    }

    /// <summary>A new account of <paramref name="role"/>, signed in (cookie). "administrator" gives a new administrator, not "admin".</summary>
    public async Task<HttpClient> SignInAsRoleAsync(string role)
    {
        var (username, _) = await CreateAccountAsync(role);
        return await SignInAsync(username, AccountPassword);
    }

    /// <summary>The initial administrator "admin", signed in (one shared session).</summary>
    public async Task<HttpClient> AdminAsync() => _admin ??= await SignInAsync(InitialAdministrator.Username, AdminPassword);

    /// <summary>Creates an account with <paramref name="roles"/> and changes its one-time password to <see cref="AccountPassword"/>.</summary>
    public async Task<(string Username, long Id)> CreateAccountAsync(params string[] roles)
    {
        var admin = await AdminAsync();
        var username = $"{string.Join('-', roles)}{Interlocked.Increment(ref _accounts)}";
        using var created = await admin.PostAsJsonAsync("/api/accounts", new { username, displayName = "Test " + username, roles });
        created.StatusCode.Should().Be(HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var oneTime = body.GetProperty("oneTimePassword").GetString()!;
        using var client = CookieClient();
        using (var login = await LoginAsync(client, username, oneTime)) login.StatusCode.Should().Be(HttpStatusCode.OK);
        using var changed = await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = oneTime, newPassword = AccountPassword });
        changed.StatusCode.Should().Be(HttpStatusCode.NoContent, await changed.Content.ReadAsStringAsync());
        return (username, body.GetProperty("id").GetInt64());
    }

    /// <summary>Issues an API key of <paramref name="role"/> (as "admin").</summary>
    public async Task<(long Id, string Key)> CreateApiKeyAsync(string role, string? name = null)
    {
        var admin = await AdminAsync();
        using var response = await admin.PostAsJsonAsync("/api/api-keys", new { name = name ?? role + " integration", role });
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetInt64(), body.GetProperty("key").GetString()!);
    }

    /// <summary>A client that sends <paramref name="key"/> as a bearer token (no cookie jar, no CSRF header).</summary>
    public HttpClient ApiKeyClient(string key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return Track(client);
    }

    public async Task<HttpClient> ApiKeyClientAsync(string role) => ApiKeyClient((await CreateApiKeyAsync(role)).Key);

    public static Task<HttpResponseMessage> LoginAsync(HttpClient client, string username, string password) =>
        client.PostAsJsonAsync("/api/auth/login", new { username, password });

    private HttpClient Track(HttpClient client)
    {
        lock (_clients) _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            foreach (var c in _clients) c.Dispose();
        }
        await Process.DisposeAsync();
    }
}

/// <summary>One gateway for a whole test class (xunit class fixture).</summary>
public sealed class AdminGatewayFixture : IAsyncLifetime
{
    private AdminGateway? _gateway;

    public AdminGateway Gateway => _gateway ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _gateway = await AdminGateway.StartAsync();

    public async Task DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
    }
}
