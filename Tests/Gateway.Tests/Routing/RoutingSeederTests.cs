using System.Text;
using DicomGateway.Database;
using DicomGateway.Routing;
using Gateway.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Gateway.Tests.Support.Headers;

namespace Gateway.Tests.Routing;

public sealed class RoutingSeederTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    /// <summary>The seed of the issue, written the way an administrator sets it in a container's environment.</summary>
    private static readonly Dictionary<string, string?> EnvironmentStyle = new()
    {
        ["Routing__Rules__0__Name"] = "Cardiology consults",
        ["Routing__Rules__0__Match__CalledAeTitle"] = "KARDIO",
        ["Routing__Rules__0__Match__CallingAeTitle"] = "CT1",
        ["Routing__Rules__0__Match__Attributes__Modality"] = "CT",
        ["Routing__Rules__0__Match__Attributes__StudyDescription"] = "*HEART*",
        ["Routing__Rules__0__Recipients__0__Email"] = "dr.novak@example.org",
        ["Routing__Rules__0__Recipients__0__Phone"] = "+420603000000",
        ["Routing__Rules__0__Recipients__0__Language"] = "cs",
        ["Routing__Rules__0__ExpiryDays"] = "7",
        ["Routing__Rules__0__MaxDownloads"] = "3",
        ["Routing__Rules__1__Name"] = "Everything else",
        ["Routing__Rules__1__Recipients__0__Email"] = "pacs@hospital.example",
        ["Routing__DefaultLanguage"] = "pl",
    };

    private const string AppSettings = """
        { "Routing": { "Rules": [ {
            "Name": "Cardiology consults",
            "Match": { "CalledAeTitle": "KARDIO", "CallingAeTitle": "CT1", "Attributes": { "Modality": "CT", "StudyDescription": "*HEART*" } },
            "Recipients": [ { "Email": "dr.novak@example.org", "Phone": "+420603000000", "Language": "cs" } ],
            "ExpiryDays": 7, "MaxDownloads": 3 } ] } }
        """;

    /// <summary>The environment variables provider turns "__" into ":"; so does this, for an in-memory collection.</summary>
    private static IConfiguration FromEnvironmentStyle(IDictionary<string, string?> variables) =>
        new ConfigurationBuilder().AddInMemoryCollection(variables.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value))).Build();

    private static IConfiguration FromJson(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    /// <summary>A gateway start as far as routing goes: the registrations of AddRoutingRules, and every hosted service started.</summary>
    private static async Task<ServiceProvider> StartAsync(IConfiguration configuration, GatewayDatabase database)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddSingleton(database);
        services.AddSingleton<DicomGateway.Audit.AuditTrail>();
        // Spelled out: ASP.NET Core's Microsoft.Extensions.DependencyInjection.RoutingServiceCollectionExtensions.AddRouting has the same signature.
        DicomGateway.Routing.RoutingServiceCollectionExtensions.AddRoutingRules(services);
        var provider = services.BuildServiceProvider();
        try
        {
            foreach (var hosted in provider.GetServices<IHostedService>()) await hosted.StartAsync(CancellationToken.None);
            return provider;
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Rules_from_environment_style_keys_are_seeded_in_order_with_everything_they_say()
    {
        await using var provider = await StartAsync(FromEnvironmentStyle(EnvironmentStyle), _db.Database);
        var store = provider.GetRequiredService<RuleStore>();

        var rules = await store.ListAsync(CancellationToken.None);

        rules.Select(r => (r.Name, r.Order)).Should().Equal(("Cardiology consults", 10), ("Everything else", 20));
        rules[0].Should().BeEquivalentTo(new RoutingRule
        {
            Id = rules[0].Id,
            Name = "Cardiology consults",
            Order = 10,
            Conditions =
            [
                Called("KARDIO"),
                Calling("CT1"),
                Wildcard("Modality", "CT"),
                Wildcard("StudyDescription", "*HEART*"),
            ],
            Actions =
            [
                new ShipAction
                {
                    Recipients = [new ShipRecipient { Email = "dr.novak@example.org", Phone = "+420603000000", Language = "cs" }],
                    ExpiryDays = 7,
                    MaxDownloads = 3,
                },
            ],
        }, o => o.ComparingRecordsByMembers().RespectingRuntimeTypes());
        store.AnswersToCalledAeTitle("KARDIO").Should().BeTrue();
        store.AnswersToCalledAeTitle("ONKO").Should().BeFalse();
        var decision = await store.EvaluateAsync(Input(Ct("CT ABDOMEN")), CancellationToken.None);
        decision.Ships.Single().Recipients.Single().Should().Be(new PlannedRecipient("pacs@hospital.example", null, "pl", null));
        (await store.EvaluateAsync(Input(), CancellationToken.None)).Ships.Single().RuleName.Should().Be("Cardiology consults");
    }

    [Fact]
    public async Task Real_environment_variables_bind_the_same_way()
    {
        var prefix = $"GWTEST_{Guid.NewGuid():N}_";
        foreach (var (key, value) in EnvironmentStyle) Environment.SetEnvironmentVariable(prefix + key, value);
        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            await using var provider = await StartAsync(configuration, _db.Database);

            var rules = await provider.GetRequiredService<RuleStore>().ListAsync(CancellationToken.None);

            rules.Select(r => r.Name).Should().Equal("Cardiology consults", "Everything else");
            rules[0].Conditions.OfType<AttributeCondition>().Should().BeEquivalentTo([Wildcard("Modality", "CT"), Wildcard("StudyDescription", "*HEART*")]);
            rules[0].Actions.OfType<ShipAction>().Single().Recipients.Single().Email.Should().Be("dr.novak@example.org");
        }
        finally
        {
            foreach (var key in EnvironmentStyle.Keys) Environment.SetEnvironmentVariable(prefix + key, null);
        }
    }

    [Fact]
    public async Task The_appsettings_json_form_seeds_the_same_rule()
    {
        await using var provider = await StartAsync(FromJson(AppSettings), _db.Database);

        var rule = (await provider.GetRequiredService<RuleStore>().ListAsync(CancellationToken.None)).Single();

        rule.Conditions.OfType<CallingAeTitleCondition>().Single().Value.Should().Be("CT1");
        var ship = rule.Actions.OfType<ShipAction>().Single();
        ship.Recipients.Single().Language.Should().Be("cs");
        ship.MaxDownloads.Should().Be(3);
    }

    [Fact]
    public async Task Seeding_happens_once_and_later_starts_keep_the_database_rules()
    {
        await using (var first = await StartAsync(FromJson(AppSettings), _db.Database))
        {
            var store = first.GetRequiredService<RuleStore>();
            var id = (await store.ListAsync(CancellationToken.None)).Single().Id;
            await store.DeleteAsync(id, "admin", CancellationToken.None);
            await store.AddAsync(new RoutingRule { Name = "Edited by an administrator" }, "admin", CancellationToken.None);
        }

        await using var second = await StartAsync(FromEnvironmentStyle(EnvironmentStyle), _db.Reopen());
        var rules = await second.GetRequiredService<RuleStore>().ListAsync(CancellationToken.None);

        rules.Select(r => r.Name).Should().Equal("Edited by an administrator");
    }

    [Fact]
    public async Task An_empty_configuration_marks_the_database_seeded_too()
    {
        await using (await StartAsync(FromJson("{}"), _db.Database)) { }

        await using var second = await StartAsync(FromJson(AppSettings), _db.Reopen());

        (await second.GetRequiredService<RuleStore>().ListAsync(CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task An_invalid_seed_rule_stops_the_start_naming_the_rule_and_field_and_stores_nothing()
    {
        var variables = new Dictionary<string, string?>(EnvironmentStyle)
        {
            ["Routing__Rules__1__Recipients__0__Email"] = "not-an-address",
            ["Routing__Rules__1__ExpiryDays"] = "0",
        };

        var act = () => StartAsync(FromEnvironmentStyle(variables), _db.Database);

        var thrown = await act.Should().ThrowAsync<RuleValidationException>();
        thrown.Which.Message.Should().Contain("Routing:Rules:1:Recipients:0:Email").And.Contain("Routing:Rules:1:ExpiryDays");
        thrown.Which.Errors.Select(e => e.Field).Should().Equal("Routing:Rules:1:ExpiryDays", "Routing:Rules:1:Recipients:0:Email");

        // Nothing was stored and the database is not marked seeded: the corrected configuration seeds on the next start.
        await using var fixedStart = await StartAsync(FromEnvironmentStyle(EnvironmentStyle), _db.Reopen());
        (await fixedStart.GetRequiredService<RuleStore>().ListAsync(CancellationToken.None)).Should().HaveCount(2);
    }

    [Fact]
    public async Task An_unknown_default_language_fails_options_validation()
    {
        var act = () => StartAsync(FromJson("""{ "Routing": { "DefaultLanguage": "de" } }"""), _db.Database);

        await act.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>();
    }

    [Fact]
    public async Task A_seed_rule_without_recipients_matches_and_holds_as_it_always_did()
    {
        var variables = new Dictionary<string, string?>
        {
            ["Routing__Rules__0__Name"] = "Hold MR",
            ["Routing__Rules__0__Match__Attributes__Modality"] = "MR",
            ["Routing__Rules__0__ExpiryDays"] = "5",
            ["Routing__Rules__1__Name"] = "Everything else",
            ["Routing__Rules__1__Recipients__0__Email"] = "pacs@hospital.example",
        };
        await using var provider = await StartAsync(FromEnvironmentStyle(variables), _db.Database);
        var store = provider.GetRequiredService<RuleStore>();

        var mr = await store.EvaluateAsync(Input(Ct().AddOrUpdate(DicomKit.Data.Tags.Modality, DicomKit.Data.DicomVR.CS, "MR")), CancellationToken.None);

        mr.Disposition.Should().Be(RoutingDisposition.Held);
        mr.Trace.Select(t => (t.Name, t.Matched, t.StoppedHere)).Should().Equal(("Hold MR", true, true));
        (await store.EvaluateAsync(Input(), CancellationToken.None)).Disposition.Should().Be(RoutingDisposition.Act);
    }

    [Fact]
    public async Task Seeding_is_audited_as_the_gateway()
    {
        await using var provider = await StartAsync(FromJson(AppSettings), _db.Database);

        var records = await provider.GetRequiredService<DicomGateway.Audit.AuditTrail>().QueryAsync(new DicomGateway.Audit.AuditQuery(), CancellationToken.None);

        records.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Actor = "gateway", ActorKind = DicomGateway.Audit.AuditActorKind.Gateway });
        records[0].Detail.Should().Contain("Cardiology consults");
    }

    [Fact]
    public async Task An_unknown_time_zone_fails_options_validation()
    {
        var act = () => StartAsync(FromJson("""{ "Routing": { "TimeZone": "Mars/Olympus_Mons" } }"""), _db.Database);

        await act.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>();
    }
}
