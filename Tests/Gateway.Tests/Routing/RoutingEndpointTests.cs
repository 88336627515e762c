using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DicomGateway.AddressBook;
using DicomGateway.Hosting;
using DicomGateway.Routing;
using DicomKit.Data;
using DicomKit.IO;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Gateway.Tests.Support.Headers;

namespace Gateway.Tests.Routing;

/// <summary>
/// The rule and contact endpoints on a real Kestrel, with every policy allowing everyone (authentication belongs to the
/// administration module): routes, status codes and bodies as docs/admin-api.md gives them.
/// </summary>
public sealed class RoutingEndpointTests : IAsyncLifetime
{
    private readonly RoutingFixture _f = new();
    private WebApplication? _app;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthorization(o =>
        {
            foreach (var policy in new[] { AdminPolicies.View, AdminPolicies.Administer }) o.AddPolicy(policy, p => p.RequireAssertion(_ => true));
        });
        _app = builder.Build();
        _app.UseAuthorization();
        var api = _app.MapGroup("/api");
        new RuleEndpoints(_f.Rules, new Studies(), _f.NodeDirectory, _f.Clock).Map(api);
        new ContactEndpoints(_f.Contacts).Map(api);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _f.Dispose();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> Body(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private const string CardiologyJson = """
        { "name": "Cardiology", "order": 10, "match": "all",
          "conditions": [ { "kind": "calledAeTitle", "op": "wildcard", "value": "KARDIO*" }, { "kind": "attribute", "key": "Modality", "op": "equals", "value": "CT" } ],
          "actions": [ { "kind": "ship", "recipients": [ { "email": "a@example.org" } ] }, { "kind": "forward", "nodeId": 2 } ] }
        """;

    [Fact]
    public async Task Rules_are_created_read_changed_reordered_switched_and_deleted()
    {
        var created = await _http.PostAsync("/api/rules", Json(CardiologyJson));
        created.StatusCode.Should().Be(HttpStatusCode.OK);
        var id = (await Body(created)).GetProperty("id").GetInt64();
        var other = (await Body(await _http.PostAsync("/api/rules", Json("""{"name":"Hold the rest","actions":[{"kind":"hold"}]}""")))).GetProperty("id").GetInt64();

        var list = await Body(await _http.GetAsync("/api/rules"));
        list.EnumerateArray().Select(r => r.GetProperty("name").GetString()).Should().Equal("Cardiology", "Hold the rest");
        list[0].GetProperty("conditions")[0].GetProperty("kind").GetString().Should().Be("calledAeTitle");
        list[0].GetProperty("match").GetString().Should().Be("all");
        (await _http.GetAsync($"/api/rules/{id}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _http.GetAsync("/api/rules/9999")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        (await _http.PutAsync($"/api/rules/{id}", Json(CardiologyJson.Replace("\"Cardiology\"", "\"Cardiology 2\"", StringComparison.Ordinal)))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _http.PostAsync("/api/rules/order", Json($$"""{"ids":[{{other}},{{id}}]}"""))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _http.PostAsync($"/api/rules/{id}/enabled", Json("""{"enabled":false}"""))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _f.Rules.ListAsync(CancellationToken.None)).Select(r => (r.Name, r.Order, r.Enabled)).Should().Equal(("Hold the rest", 10, true), ("Cardiology 2", 20, false));

        (await _http.DeleteAsync($"/api/rules/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _http.DeleteAsync($"/api/rules/{id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_invalid_rule_is_answered_400_with_errors_by_field()
    {
        var response = await _http.PostAsync("/api/rules", Json("""
            {"name":"bad","conditions":[{"kind":"attribute","key":"StudyDescription","op":"regex","value":"(oops"}],"actions":[{"kind":"forward","nodeId":5}]}
            """));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var body = await Body(response);
        body.GetProperty("error").GetString().Should().Be("invalid");
        body.GetProperty("errors").GetProperty("conditions[0].value")[0].GetString().Should().StartWith("not a valid regular expression: ");
        body.GetProperty("errors").GetProperty("actions[0].nodeId")[0].GetString().Should().Contain("forward destination");

        (await _http.PostAsync("/api/rules", Json("{not json"))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await _http.PostAsync("/api/rules", Json("""{"name":"x","conditions":[{"kind":"teleport"}]}"""))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Validate_answers_an_empty_object_or_the_errors()
    {
        (await Body(await _http.PostAsync("/api/rules/validate", Json(CardiologyJson)))).EnumerateObject().Should().BeEmpty();
        var bad = await _http.PostAsync("/api/rules/validate", Json("""{"name":"","timeWindow":{"from":"25:00","to":"06:00"}}"""));
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Body(bad)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("name", "timeWindow.from");
    }

    [Fact]
    public async Task A_dry_run_of_a_received_study_with_unsaved_rules_reports_rules_actions_and_warnings()
    {
        await _http.PostAsync("/api/rules", Json("""{"name":"saved","actions":[{"kind":"hold"}]}"""));

        var response = await _http.PostAsync("/api/rules/dry-run", Json($$"""{"studyId":1,"rules":[{{CardiologyJson}}, {"name":"hold","order":20,"stopOnMatch":false,"actions":[{"kind":"hold"}]}]}"""));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await Body(response);
        body.GetProperty("disposition").GetString().Should().Be("act");
        body.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("name").GetString()).Should().Equal("Cardiology");
        body.GetProperty("rules")[0].GetProperty("conditions")[0].GetProperty("matched").GetBoolean().Should().BeTrue();
        body.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("kind").GetString()).Should().Equal("ship", "forward");
        body.GetProperty("actions")[1].GetProperty("nodeName").GetString().Should().Be("ARCHIVE");
        body.GetProperty("actions")[0].GetProperty("recipients")[0].GetProperty("email").GetString().Should().Be("a@example.org");

        var saved = await Body(await _http.PostAsync("/api/rules/dry-run", Json("""{"studyId":1}""")));
        saved.GetProperty("disposition").GetString().Should().Be("held");
        (await _http.PostAsync("/api/rules/dry-run", Json("""{"studyId":2}"""))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _http.PostAsync("/api/rules/dry-run", Json("""{"studyId":1,"rules":[{"name":""}]}"""))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_dry_run_of_an_uploaded_file_streams_it_through_Kestrel()
    {
        var dataset = Ct().AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.2").AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, "2.25.99")
            .AddOrUpdate<byte>(new DicomTag(0x7FE0, 0x0010), DicomVR.OB, new byte[3_000_000]);
        using var file = new MemoryStream();
        new DicomFile(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(file);
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(file.ToArray()), "file", "ct.dcm" },
            { new StringContent("KARDIO1"), "calledAeTitle" },
            { new StringContent("[" + CardiologyJson + "]"), "rules" },
        };

        var response = await _http.PostAsync("/api/rules/dry-run", form);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await Body(response)).GetProperty("disposition").GetString().Should().Be("act");

        using var bad = new MultipartFormDataContent { { new ByteArrayContent(Encoding.ASCII.GetBytes("MZ this is not DICOM")), "file", "setup.exe" } };
        var refused = await _http.PostAsync("/api/rules/dry-run", bad);
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Body(refused)).GetProperty("errors").GetProperty("file")[0].GetString().Should().Contain("not a DICOM Part-10 file");
    }

    [Fact]
    public async Task Dry_run_studies_are_listed()
    {
        var studies = await Body(await _http.GetAsync("/api/dry-run/studies"));

        studies.EnumerateArray().Single().GetProperty("studyId").GetInt64().Should().Be(1);
    }

    [Fact]
    public async Task Contacts_are_managed_and_one_named_by_a_rule_cannot_be_deleted()
    {
        var created = await _http.PostAsync("/api/contacts", Json("""{"name":"Dr. Novák","phone":"+420603000001","language":"cs","dicomNames":["Novak^Petr"]}"""));
        created.StatusCode.Should().Be(HttpStatusCode.OK);
        var id = (await Body(created)).GetProperty("id").GetInt64();
        (await _http.PostAsync("/api/contacts", Json("""{"name":"Nobody"}"""))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await _http.PutAsync($"/api/contacts/{id}", Json("""{"name":"Dr. Petr Novák","email":"novak@example.org","dicomNames":["Novak^Petr"]}"""))).StatusCode
            .Should().Be(HttpStatusCode.NoContent);
        var list = await Body(await _http.GetAsync("/api/contacts"));
        list[0].GetProperty("dicomNames")[0].GetString().Should().Be("Novak^Petr");
        list[0].GetProperty("email").GetString().Should().Be("novak@example.org");

        var rule = await _http.PostAsync("/api/rules", Json($$"""{"name":"To Novák","actions":[{"kind":"ship","recipients":[{"contactId":{{id}}}]}]}"""));
        rule.StatusCode.Should().Be(HttpStatusCode.OK);
        var conflict = await _http.DeleteAsync($"/api/contacts/{id}");
        conflict.StatusCode.Should().Be(HttpStatusCode.Conflict);
        var body = await Body(conflict);
        body.GetProperty("error").GetString().Should().Be("conflict");
        body.GetProperty("message").GetString().Should().Contain("To Novák");

        await _http.DeleteAsync($"/api/rules/{(await Body(rule)).GetProperty("id").GetInt64()}");
        (await _http.DeleteAsync($"/api/contacts/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _http.DeleteAsync($"/api/contacts/{id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private sealed class Studies : IStudyHeaders
    {
        public Task<IReadOnlyList<DryRunStudy>> ListReadableAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<DryRunStudy>>([new DryRunStudy(1, "held", "CT1", "KARDIO", MondayMorning, 3)]);

        public Task<RoutingInput?> ReadAsync(long studyId, string actor, string? actorAddress, CancellationToken cancellationToken) =>
            Task.FromResult(studyId == 1 ? Input(called: "KARDIO1") : null);
    }
}
