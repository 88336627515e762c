using System.Text.Json;
using Dapper;
using DicomGateway.Routing;
using Gateway.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Gateway.Tests.Routing.Headers;

namespace Gateway.Tests.Routing;

public sealed class RuleStoreTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly RuleStore _store;

    public RuleStoreTests() => _store = NewStore(_db.Database);

    public void Dispose() => _db.Dispose();

    private RuleStore NewStore(DicomGateway.Database.GatewayDatabase database, RoutingOptions? options = null) =>
        new(database, new RuleValidator(new PermissivePhoneNumberValidator()), _clock, Options.Create(options ?? new RoutingOptions()), NullLogger<RuleStore>.Instance);

    private static RoutingRule Cardiology() => new()
    {
        Name = "Cardiology consults",
        Order = 10,
        StopOnMatch = false,
        Match = new RuleMatch
        {
            CalledAeTitle = "KARDIO",
            CallingAeTitle = "CT1",
            Attributes = new Dictionary<string, string> { ["Modality"] = "CT", ["(0008,1030)"] = "*HEART*" },
        },
        Recipients = [new RuleRecipient { Email = "dr.novak@example.org", Phone = "+420603000000", Language = "cs" }, new RuleRecipient { Email = "b@example.org" }],
        ExpiryDays = 14,
        MaxDownloads = 3,
        NotifyEmail = "pacs@hospital.example",
        SenderName = "Radiology",
        SenderOrganisation = "Hospital",
    };

    [Fact]
    public async Task A_rule_reads_back_as_it_was_added()
    {
        var id = await _store.AddAsync(Cardiology() with { Id = 999 }, CancellationToken.None);

        var rules = await _store.ListAsync(CancellationToken.None);

        rules.Should().ContainSingle().Which.Should().BeEquivalentTo(Cardiology() with { Id = id }, o => o.ComparingRecordsByMembers());
        id.Should().NotBe(999);
    }

    [Fact]
    public async Task The_stored_definition_is_a_versioned_document_of_conditions_and_actions()
    {
        var id = await _store.AddAsync(Cardiology(), CancellationToken.None);

        await using var connection = await _db.Database.OpenAsync();
        var row = await connection.QuerySingleAsync<(string Name, long SortOrder, long Enabled, string Definition, long CreatedAt)>(
            "SELECT name, sort_order, enabled, definition, created_at FROM routing_rules WHERE id = @id", new { id });
        using var definition = JsonDocument.Parse(row.Definition);
        var root = definition.RootElement;

        row.Should().Be(("Cardiology consults", 10L, 1L, row.Definition, _clock.Now.ToUnixTimeMilliseconds()));
        root.GetProperty("version").GetInt32().Should().Be(1);
        root.GetProperty("stopOnMatch").GetBoolean().Should().BeFalse();
        root.GetProperty("conditions").EnumerateArray().Select(c => c.GetProperty("kind").GetString())
            .Should().Equal("calledAeTitle", "callingAeTitle", "attribute", "attribute");
        root.GetProperty("conditions")[3].GetProperty("tag").GetString().Should().Be("(0008,1030)");
        root.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("kind").GetString()).Should().Equal("ship");
    }

    [Fact]
    public async Task A_rule_stored_in_the_first_definition_format_keeps_reading_the_same()
    {
        const string definition = """
            {"version":1,"stopOnMatch":true,
             "conditions":[{"kind":"callingAeTitle","aeTitle":"CT1"},{"kind":"attribute","key":"Modality","tag":"(0008,0060)","pattern":"CT"}],
             "actions":[{"kind":"ship","recipients":[{"email":"a@example.org","language":"pl"}],"maxDownloads":2}]}
            """;
        await using (var connection = await _db.Database.OpenAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO routing_rules (name, sort_order, enabled, definition, created_at, updated_at) VALUES ('old', 5, 1, @definition, 0, 0)", new { definition });
        }

        var rule = (await _store.ListAsync(CancellationToken.None)).Single();

        rule.Should().BeEquivalentTo(new RoutingRule
        {
            Id = rule.Id,
            Name = "old",
            Order = 5,
            Match = new RuleMatch { CallingAeTitle = "CT1", Attributes = new Dictionary<string, string> { ["Modality"] = "CT" } },
            Recipients = [new RuleRecipient { Email = "a@example.org", Language = "pl" }],
            MaxDownloads = 2,
        }, o => o.ComparingRecordsByMembers());
        (await _store.EvaluateAsync(Input(), CancellationToken.None)).MatchedRules.Should().ContainSingle();
    }

    [Fact]
    public void A_routing_rule_round_trips_through_System_Text_Json()
    {
        var json = JsonSerializer.Serialize(Cardiology());

        JsonSerializer.Deserialize<RoutingRule>(json).Should().BeEquivalentTo(Cardiology(), o => o.ComparingRecordsByMembers());
        JsonSerializer.Deserialize<RoutingRule>("""{"Name":"defaults"}""")!.StopOnMatch.Should().BeTrue();
    }

    [Fact]
    public async Task Update_replaces_a_rule_and_delete_removes_it()
    {
        var id = await _store.AddAsync(Cardiology(), CancellationToken.None);

        (await _store.UpdateAsync(Cardiology() with { Id = id, Name = "Renamed", Enabled = false, Recipients = [] }, CancellationToken.None)).Should().BeTrue();
        (await _store.ListAsync(CancellationToken.None)).Single().Should().BeEquivalentTo(Cardiology() with { Id = id, Name = "Renamed", Enabled = false, Recipients = [] }, o => o.ComparingRecordsByMembers());

        (await _store.DeleteAsync(id, CancellationToken.None)).Should().BeTrue();
        (await _store.ListAsync(CancellationToken.None)).Should().BeEmpty();
        (await _store.DeleteAsync(id, CancellationToken.None)).Should().BeFalse();
        (await _store.UpdateAsync(Cardiology() with { Id = id }, CancellationToken.None)).Should().BeFalse();
    }

    [Fact]
    public async Task An_invalid_rule_is_refused_and_nothing_is_stored()
    {
        var act = () => _store.AddAsync(Cardiology() with { ExpiryDays = 400 }, CancellationToken.None);

        (await act.Should().ThrowAsync<RuleValidationException>()).Which.Errors.Select(e => e.Field).Should().Equal("ExpiryDays");
        (await _store.ListAsync(CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task Called_AE_titles_of_enabled_rules_follow_every_write()
    {
        _store.CalledAeTitles.Should().BeEmpty();
        var kardio = await _store.AddAsync(Cardiology() with { Match = new RuleMatch { CalledAeTitle = " KARDIO " } }, CancellationToken.None);
        await _store.AddAsync(Cardiology() with { Match = new RuleMatch { CalledAeTitle = "ONKO" } }, CancellationToken.None);
        await _store.AddAsync(Cardiology() with { Match = new RuleMatch { CalledAeTitle = "OFF" }, Enabled = false }, CancellationToken.None);
        await _store.AddAsync(Cardiology() with { Match = new RuleMatch() }, CancellationToken.None);

        _store.CalledAeTitles.Should().BeEquivalentTo(new[] { "KARDIO", "ONKO" });
        _store.CalledAeTitles.Contains("kardio").Should().BeFalse();

        await _store.DeleteAsync(kardio, CancellationToken.None);
        _store.CalledAeTitles.Should().BeEquivalentTo(new[] { "ONKO" });
    }

    [Fact]
    public async Task Evaluation_uses_stored_order_and_fills_in_configured_defaults()
    {
        var store = NewStore(_db.Database, new RoutingOptions { DefaultLanguage = "pl", DefaultExpiryDays = 30 });
        await store.AddAsync(new RoutingRule { Name = "late", Order = 20, Recipients = [new RuleRecipient { Email = "late@example.org" }] }, CancellationToken.None);
        await store.AddAsync(new RoutingRule { Name = "early", Order = 10, StopOnMatch = false, Recipients = [new RuleRecipient { Email = "early@example.org", Language = "cs" }] }, CancellationToken.None);

        var decision = await store.EvaluateAsync(Input(), CancellationToken.None);

        decision.MatchedRules.Select(r => r.Name).Should().Equal("early", "late");
        decision.MatchedRules.Select(r => r.Recipients.Single().Language).Should().Equal("cs", "pl");
        decision.MatchedRules.Should().OnlyContain(r => r.ExpiryDays == 30);
        (await store.ListAsync(CancellationToken.None)).Should().OnlyContain(r => r.ExpiryDays == null);
    }

    [Fact]
    public async Task A_new_store_over_an_existing_database_evaluates_without_an_explicit_load()
    {
        await _store.AddAsync(Cardiology(), CancellationToken.None);
        var restarted = NewStore(_db.Reopen());

        var decision = await restarted.EvaluateAsync(Input(), CancellationToken.None);

        decision.MatchedRules.Select(r => r.Name).Should().Equal("Cardiology consults");
        restarted.CalledAeTitles.Should().Equal("KARDIO");
    }
}
