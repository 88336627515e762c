using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DicomGateway.Administration;

namespace Gateway.Tests.Administration;

public sealed class AuditTrailTests(AdminGatewayFixture fixture) : IClassFixture<AdminGatewayFixture>
{
    private const string Hostile = "=HYPERLINK(\"http://evil.example\",\"x\"),y";

    [Fact]
    public async Task The_audit_trail_is_filtered_and_paged_and_its_CSV_export_is_quoted_injection_safe_and_audited()
    {
        var gw = fixture.Gateway;
        using (var attempt = await AdminGateway.LoginAsync(gw.CookieClient(), Hostile, "whatever it is")) attempt.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var auditor = await gw.SignInAsRoleAsync(AdminRoles.Auditor);

        var failures = await auditor.GetFromJsonAsync<JsonElement>(new Uri("/api/audit?eventId=110114&outcome=4&pageSize=1", UriKind.Relative));
        failures.GetProperty("total").GetInt64().Should().BeGreaterThanOrEqualTo(1);
        failures.GetProperty("items").GetArrayLength().Should().Be(1);
        var failure = failures.GetProperty("items")[0];
        failure.GetProperty("actor").GetString().Should().Be(Hostile);
        failure.GetProperty("eventName").GetString().Should().Be("User Authentication");
        failure.GetProperty("detail").GetProperty("result").GetString().Should().Be("unknown-user");

        using var export = await auditor.GetAsync(new Uri("/api/audit/export.csv?actor=" + Uri.EscapeDataString(Hostile), UriKind.Relative));
        export.StatusCode.Should().Be(HttpStatusCode.OK);
        export.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var csv = await export.Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("id,occurredAt,eventId,eventName");
        lines.Should().HaveCount(2, "one header and the one matching event");
        lines[1].Should().Contain(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\"),y\",", "the cell is quoted, its quotes doubled, and it starts with an apostrophe");
        lines[1].Should().Contain("\"{\"\"method\"\":\"\"password\"\",\"\"result\"\":\"\"unknown-user\"\",\"\"locked\"\":false}\"");

        var exports = await auditor.GetFromJsonAsync<JsonElement>(new Uri("/api/audit?eventId=110112", UriKind.Relative));
        var me = await auditor.GetFromJsonAsync<JsonElement>(new Uri("/api/auth/me", UriKind.Relative));
        exports.GetProperty("items").EnumerateArray().Should().Contain(e =>
            e.GetProperty("detail").GetProperty("what").GetString() == "audit trail exported" && e.GetProperty("actor").GetString() == me.GetProperty("username").GetString());
    }

    [Fact]
    public async Task Invalid_filters_are_a_bad_request()
    {
        var auditor = await fixture.Gateway.SignInAsRoleAsync(AdminRoles.Auditor);
        foreach (var query in new[] { "outcome=3", "actorKind=robot", "from=yesterday" })
        {
            using var response = await auditor.GetAsync(new Uri("/api/audit?" + query, UriKind.Relative));
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, query);
        }
    }
}

public sealed class CsvTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+420603000000", "'+420603000000")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tTAB", "'\tTAB")]
    [InlineData("=A1,B1", "\"'=A1,B1\"")]
    public void A_field_is_quoted_as_RFC_4180_says_and_never_starts_a_formula(string value, string expected) => Csv.Field(value).Should().Be(expected);

    [Fact]
    public void A_line_ends_with_CRLF() => Csv.Line("a", null, "b").Should().Be("a,,b\r\n");
}
