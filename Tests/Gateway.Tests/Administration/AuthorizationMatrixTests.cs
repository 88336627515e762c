using System.Net;
using System.Text;
using System.Text.Json;
using DicomGateway.Administration;
using DicomGateway.Hosting;
using Xunit.Abstractions;

namespace Gateway.Tests.Administration;

/// <summary>
/// Every operation of the OpenAPI document, called without credentials and as each role (by cookie and by API key):
/// 401 without, 403 for a role the endpoint's policy does not admit, neither for one it does. The expected policy of
/// each (method, path) is written out below; an operation the document lists and the table does not is a failure, so a
/// new endpoint cannot arrive without deciding who may call it.
/// </summary>
public sealed class AuthorizationMatrixTests(AdminGatewayFixture fixture) : IClassFixture<AdminGatewayFixture>
{
    private const string Anonymous = "anonymous";
    private const string View = AdminPolicies.View;
    private const string Resend = AdminPolicies.Resend;
    private const string Administer = AdminPolicies.Administer;
    private const string Audit = AdminPolicies.Audit;
    private const string SignedIn = AdminPolicies.SignedIn;

    /// <summary>Who may call each administration endpoint. A route added without a row here fails the tests below.</summary>
    private static readonly IReadOnlyList<Row> Table =
    [
        new("POST", "/api/auth/login", Anonymous),
        new("POST", "/api/auth/logout", SignedIn),
        new("GET", "/api/auth/me", SignedIn),
        new("POST", "/api/auth/password", SignedIn),
        new("GET", "/api/auth/providers", Anonymous),
        new("GET", "/api/auth/oidc", Anonymous),
        new("GET", "/api/accounts", Administer),
        new("POST", "/api/accounts", Administer),
        new("PUT", "/api/accounts/{id}", Administer),
        new("POST", "/api/accounts/{id}/reset-password", Administer),
        new("POST", "/api/accounts/{id}/unlock", Administer),
        new("DELETE", "/api/accounts/{id}", Administer),
        new("GET", "/api/api-keys", Administer),
        new("POST", "/api/api-keys", Administer),
        new("DELETE", "/api/api-keys/{id}", Administer),

        new("GET", "/api/rules", View),
        new("GET", "/api/rules/{id}", View),
        new("POST", "/api/rules", Administer),
        new("PUT", "/api/rules/{id}", Administer),
        new("DELETE", "/api/rules/{id}", Administer),
        new("POST", "/api/rules/order", Administer),
        new("POST", "/api/rules/{id}/enabled", Administer),
        new("POST", "/api/rules/validate", Administer),
        new("POST", "/api/rules/dry-run", View),
        new("GET", "/api/dry-run/studies", View),
        new("GET", "/api/contacts", View),
        new("POST", "/api/contacts", Administer),
        new("PUT", "/api/contacts/{id}", Administer),
        new("DELETE", "/api/contacts/{id}", Administer),

        new("GET", "/api/nodes", View),
        new("GET", "/api/nodes/caller-policy", View),
        new("POST", "/api/nodes", Administer),
        new("PUT", "/api/nodes/{id}", Administer),
        new("DELETE", "/api/nodes/{id}", Administer),
        new("POST", "/api/nodes/{id}/echo", View),
        new("GET", "/api/forwards", View),
        new("POST", "/api/forwards/{id}/retry", Administer),
        new("POST", "/api/forwards/{id}/cancel", Administer),

        new("GET", "/api/shipments", View),
        new("GET", "/api/shipments/{id}", View),
        new("POST", "/api/shipments/{id}/revoke", Administer),
        new("POST", "/api/shipments/{id}/extend", Administer),
        new("POST", "/api/shipments/{id}/resend", Resend),
        new("POST", "/api/shipments/{id}/recipients/{recipientId}/unlock", Resend),
        new("GET", "/api/held", View),
        new("GET", "/api/held/{studyId}", View),
        new("POST", "/api/held/{studyId}/address", Administer),
        new("POST", "/api/held/{studyId}/route", Administer),
        new("POST", "/api/held/{studyId}/discard", Administer),
        new("GET", "/api/statistics", View),
        new("GET", "/api/audit", Audit),
        new("GET", "/api/audit/export.csv", Audit),
        new("POST", "/api/audit/disclosures", Audit),
        new("GET", "/api/configuration", View),
    ];

    private static readonly Dictionary<string, string[]> Admits = new()
    {
        [View] = [AdminRoles.Administrator, AdminRoles.Operator],
        [Resend] = [AdminRoles.Administrator, AdminRoles.Operator],
        [Administer] = [AdminRoles.Administrator],
        [Audit] = [AdminRoles.Administrator, AdminRoles.Auditor],
        [SignedIn] = [.. AdminRoles.All],
    };

    public sealed record Row(string Method, string Path, string Policy);

    [Fact]
    public async Task The_OpenAPI_document_is_served_anonymously_and_describes_both_ways_to_authenticate()
    {
        using var response = await fixture.Gateway.Anonymous().GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var schemes = document.RootElement.GetProperty("components").GetProperty("securitySchemes");
        schemes.GetProperty("cookie").GetProperty("in").GetString().Should().Be("cookie");
        schemes.GetProperty("apiKey").GetProperty("scheme").GetString().Should().Be("bearer");
        var operations = await OperationsAsync();
        operations.Should().Contain(("GET", "/api/shipments")).And.Contain(("POST", "/api/audit/disclosures"));
        operations.Should().NotContain(o => o.Path.StartsWith("/api/recipient", StringComparison.Ordinal), "the recipient API is not administration");
    }

    [Fact]
    public async Task Every_operation_in_the_OpenAPI_document_has_a_row_in_the_table()
    {
        var operations = await OperationsAsync();
        var missing = operations.Where(o => !Table.Any(r => r.Method == o.Method && r.Path == o.Path)).ToList();
        missing.Should().BeEmpty("every endpoint must say who may call it: add it to AuthorizationMatrixTests.Table");
        var absent = Table.Where(r => !operations.Contains((r.Method, r.Path))).ToList();
        absent.Should().BeEmpty("these rows are in the table but their routes are not mapped");
    }

    [Fact]
    public async Task The_OpenAPI_document_states_the_policy_of_every_operation_as_the_table_does()
    {
        using var response = await fixture.Gateway.Anonymous().GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var mismatches = new List<string>();
        foreach (var row in await MappedRowsAsync())
        {
            var path = document.RootElement.GetProperty("paths").EnumerateObject().Single(p => p.Name.TrimEnd('/') == row.Path).Value;
            var description = path.GetProperty(row.Method.ToLowerInvariant()).GetProperty("description").GetString();
            var expected = row.Policy == Anonymous ? "Anonymous." : $"Policy: {row.Policy}.";
            if (description != expected) mismatches.Add($"{row.Method} {row.Path}: '{description}', table says '{expected}'");
        }
        mismatches.Should().BeEmpty();
    }

    [Fact]
    public async Task Every_operation_refuses_unauthenticated_calls()
    {
        var anonymous = fixture.Gateway.Anonymous();
        var failures = new List<string>();
        foreach (var row in await MappedRowsAsync())
        {
            if (row.Policy == Anonymous) continue;
            using var response = await CallAsync(anonymous, row);
            if (response.StatusCode != HttpStatusCode.Unauthorized) failures.Add($"{row.Method} {row.Path}: {(int)response.StatusCode}");
        }
        failures.Should().BeEmpty();
    }

    [Theory]
    [InlineData(AdminRoles.Administrator, false)]
    [InlineData(AdminRoles.Operator, false)]
    [InlineData(AdminRoles.Auditor, false)]
    [InlineData(AdminRoles.Administrator, true)]
    [InlineData(AdminRoles.Operator, true)]
    [InlineData(AdminRoles.Auditor, true)]
    public async Task Every_operation_admits_exactly_the_roles_of_its_policy(string role, bool byApiKey)
    {
        var gw = fixture.Gateway;
        var failures = new List<string>();
        var client = byApiKey ? await gw.ApiKeyClientAsync(role) : await gw.SignInAsRoleAsync(role);
        // Signing out ends the session, so it goes last.
        foreach (var row in (await MappedRowsAsync()).OrderBy(r => r.Path == "/api/auth/logout"))
        {
            if (row.Policy == Anonymous) continue;
            using var response = await CallAsync(client, row);
            var status = response.StatusCode;
            var admitted = Admits[row.Policy].Contains(role);
            if (admitted && status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                failures.Add($"{row.Method} {row.Path} ({row.Policy}) refused {role}: {(int)status} {await response.Content.ReadAsStringAsync()}");
            if (!admitted && status != HttpStatusCode.Forbidden)
                failures.Add($"{row.Method} {row.Path} ({row.Policy}) let {role} through: {(int)status}");
        }
        failures.Should().BeEmpty();
    }

    private async Task<IReadOnlyList<Row>> MappedRowsAsync()
    {
        var operations = await OperationsAsync();
        return [.. Table.Where(r => operations.Contains((r.Method, r.Path)))];
    }

    private async Task<HashSet<(string Method, string Path)>> OperationsAsync()
    {
        using var response = await fixture.Gateway.Anonymous().GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var operations = new HashSet<(string, string)>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                if (method.Name is "get" or "post" or "put" or "delete" or "patch") operations.Add((method.Name.ToUpperInvariant(), path.Name.TrimEnd('/')));
            }
        }
        return operations;
    }

    /// <summary>Calls the operation with a made-up id (999999) and an empty JSON body: enough to pass authorization and be refused, if at all, by validation.</summary>
    private static Task<HttpResponseMessage> CallAsync(HttpClient client, Row row)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(row.Path, "{[^}]+}", "999999");
        var request = new HttpRequestMessage(new HttpMethod(row.Method), new Uri(path, UriKind.Relative));
        if (row.Method is "POST" or "PUT") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        return client.SendAsync(request);
    }
}
