using System.Text.Json;
using Dapper;
using DicomGateway.AddressBook;
using DicomGateway.Audit;
using DicomGateway.Routing;
using DicomKit.Data;
using static Gateway.Tests.Support.Headers;

namespace Gateway.Tests.Routing;

public sealed class RuleStoreTests : IDisposable
{
    private readonly RoutingFixture _f = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public void Dispose() => _f.Dispose();

    private RuleStore Store => _f.Rules;

    private static RoutingRule Cardiology() => new()
    {
        Name = "Cardiology consults",
        Order = 10,
        StopOnMatch = false,
        Match = RuleMatchMode.All,
        Conditions =
        [
            Called("KARDIO"),
            Calling("CT*", ConditionOp.Wildcard),
            Source("10.0.0.0/8"),
            Attribute("Modality", ConditionOp.Equal, "CT"),
            Attribute("(0008,1030)", ConditionOp.Regex, "HEART|CARDIO"),
            Group(RuleMatchMode.Any, Attribute("ReferringPhysicianName", ConditionOp.Present), Calling("CT1")),
        ],
        TimeWindow = new TimeWindow { Days = ["mon", "tue", "wed", "thu", "fri"], From = "07:00", To = "15:30" },
        Actions =
        [
            new ShipAction
            {
                Recipients = [new ShipRecipient { Email = "dr.novak@example.org", Phone = "+420603000000", Language = "cs" }, new ShipRecipient { Email = "b@example.org" }],
                ExpiryDays = 14,
                MaxDownloads = 3,
                NotifyEmail = "pacs@hospital.example",
                SenderName = "Radiology",
                SenderOrganisation = "Hospital",
            },
            new ForwardAction { NodeId = 2 },
        ],
    };

    [Fact]
    public async Task A_rule_reads_back_as_it_was_added()
    {
        var id = await Store.AddAsync(Cardiology() with { Id = 999 }, RoutingFixture.Admin, None);

        var rules = await Store.ListAsync(None);

        rules.Should().ContainSingle().Which.Should().BeEquivalentTo(Cardiology() with { Id = id }, o => o.ComparingRecordsByMembers().RespectingRuntimeTypes());
        (await Store.GetAsync(id, None)).Should().BeEquivalentTo(Cardiology() with { Id = id }, o => o.ComparingRecordsByMembers().RespectingRuntimeTypes());
        (await Store.GetAsync(id + 1, None)).Should().BeNull();
        id.Should().NotBe(999);
    }

    [Fact]
    public async Task The_stored_definition_is_a_version_2_document_of_conditions_window_and_actions()
    {
        var id = await Store.AddAsync(Cardiology(), RoutingFixture.Admin, None);

        await using var connection = await _f.Database.OpenAsync();
        var row = await connection.QuerySingleAsync<(string Name, long SortOrder, long Enabled, string Definition, long CreatedAt)>(
            "SELECT name, sort_order, enabled, definition, created_at FROM routing_rules WHERE id = @id", new { id });
        using var definition = JsonDocument.Parse(row.Definition);
        var root = definition.RootElement;

        row.Should().Be(("Cardiology consults", 10L, 1L, row.Definition, _f.Clock.Now.ToUnixTimeMilliseconds()));
        root.GetProperty("version").GetInt32().Should().Be(2);
        root.GetProperty("stopOnMatch").GetBoolean().Should().BeFalse();
        root.GetProperty("match").GetString().Should().Be("all");
        root.GetProperty("conditions").EnumerateArray().Select(c => c.GetProperty("kind").GetString())
            .Should().Equal("calledAeTitle", "callingAeTitle", "sourceAddress", "attribute", "attribute", "group");
        root.GetProperty("conditions")[1].GetProperty("op").GetString().Should().Be("wildcard");
        root.GetProperty("timeWindow").GetProperty("from").GetString().Should().Be("07:00");
        root.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("kind").GetString()).Should().Equal("ship", "forward");
    }

    [Fact]
    public async Task A_rule_stored_in_the_version_1_format_reads_and_evaluates_as_it_meant()
    {
        const string definition = """
            {"version":1,"stopOnMatch":true,
             "conditions":[{"kind":"calledAeTitle","aeTitle":"KARDIO"},{"kind":"callingAeTitle","aeTitle":"CT1"},
                           {"kind":"attribute","key":"StudyDescription","tag":"(0008,1030)","pattern":"*heart*"}],
             "actions":[{"kind":"ship","recipients":[{"email":"a@example.org","language":"pl"},{"email":"b@example.org"}],"maxDownloads":2,"expiryDays":5}]}
            """;
        const string heldOnly = """{"version":1,"stopOnMatch":false,"conditions":[{"kind":"attribute","key":"Modality","tag":"(0008,0060)","pattern":"MR"}],"actions":[{"kind":"ship","recipients":[]}]}""";
        await using (var connection = await _f.Database.OpenAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO routing_rules (name, sort_order, enabled, definition, created_at, updated_at) VALUES ('old', 5, 1, @definition, 0, 0), ('held', 3, 1, @heldOnly, 0, 0)",
                new { definition, heldOnly });
        }

        var rules = await Store.ListAsync(None);

        rules[1].Should().BeEquivalentTo(new RoutingRule
        {
            Id = rules[1].Id,
            Name = "old",
            Order = 5,
            Conditions = [Called("KARDIO"), Calling("CT1"), Wildcard("StudyDescription", "*heart*")],
            Actions = [new ShipAction { Recipients = [new ShipRecipient { Email = "a@example.org", Language = "pl" }, new ShipRecipient { Email = "b@example.org" }], MaxDownloads = 2, ExpiryDays = 5 }],
        }, o => o.ComparingRecordsByMembers().RespectingRuntimeTypes());
        rules[0].Actions.Should().BeEmpty();

        var decision = await Store.EvaluateAsync(Input(), None);
        decision.Disposition.Should().Be(RoutingDisposition.Act);
        decision.Ships.Single().Should().BeEquivalentTo(new ShipPlan(rules[1].Id, "old",
            [new PlannedRecipient("a@example.org", null, "pl", null), new PlannedRecipient("b@example.org", null, "en", null)], 5, 2, null, null, null));
        (await Store.EvaluateAsync(Input(called: "kardio"), None)).Disposition.Should().Be(RoutingDisposition.Held);
        (await Store.EvaluateAsync(Input(Ct().AddOrUpdate(Tags.Modality, DicomVR.CS, "MR")), None)).Trace[0].Matched.Should().BeTrue();
    }

    [Fact]
    public async Task A_rule_saved_again_is_stored_as_version_2()
    {
        await using (var connection = await _f.Database.OpenAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO routing_rules (name, sort_order, enabled, definition, created_at, updated_at)
                VALUES ('old', 5, 1, '{"version":1,"conditions":[{"kind":"callingAeTitle","aeTitle":"CT1"}],"actions":[]}', 0, 0)
                """);
        }
        var rule = (await Store.ListAsync(None)).Single();

        await Store.UpdateAsync(rule with { Actions = [new HoldAction()] }, RoutingFixture.Admin, None);

        await using var read = await _f.Database.OpenAsync();
        var stored = await read.ExecuteScalarAsync<string>("SELECT definition FROM routing_rules");
        JsonDocument.Parse(stored!).RootElement.GetProperty("version").GetInt32().Should().Be(2);
        (await Store.ListAsync(None)).Single().Conditions.Should().BeEquivalentTo([Calling("CT1")]);
    }

    [Fact]
    public void A_routing_rule_round_trips_through_the_API_json()
    {
        var json = JsonSerializer.Serialize(Cardiology(), RuleJson.Options);

        JsonSerializer.Deserialize<RoutingRule>(json, RuleJson.Options).Should().BeEquivalentTo(Cardiology(), o => o.ComparingRecordsByMembers().RespectingRuntimeTypes());
        json.Should().Contain("\"kind\":\"group\"").And.Contain("\"op\":\"equals\"").And.Contain("\"match\":\"any\"");
        JsonSerializer.Deserialize<RoutingRule>("""{"name":"defaults"}""", RuleJson.Options)!.Should().BeEquivalentTo(new { StopOnMatch = true, Enabled = true, Match = RuleMatchMode.All });
    }

    [Fact]
    public void The_admin_api_example_rule_deserialises()
    {
        const string json = """
            { "id": 3, "name": "Cardiology", "order": 10, "enabled": true, "stopOnMatch": true, "match": "all",
              "conditions": [
                { "kind": "callingAeTitle", "op": "equals", "value": "CT1" },
                { "kind": "calledAeTitle", "op": "wildcard", "value": "KARDIO*" },
                { "kind": "sourceAddress", "network": "10.1.0.0/16" },
                { "kind": "attribute", "key": "Modality", "op": "equals", "value": "CT" },
                { "kind": "attribute", "key": "(0008,1030)", "op": "regex", "value": "^HEART|CARDIO" },
                { "op": "present", "kind": "attribute", "key": "ReferringPhysicianName" },
                { "kind": "group", "match": "any", "conditions": [ { "kind": "callingAeTitle", "op": "regex", "value": "^CT" } ] } ],
              "timeWindow": { "days": ["mon", "tue", "wed", "thu", "fri"], "from": "07:00", "to": "15:30" },
              "actions": [
                { "kind": "ship", "recipients": [ { "email": "a@b.org", "phone": "+420603000000", "language": "cs" }, { "contactId": 4 } ],
                  "lookupAttribute": "ReferringPhysicianName", "expiryDays": 7, "maxDownloads": 3,
                  "notifyEmail": "pacs@hospital.org", "senderName": "...", "senderOrganisation": "..." },
                { "kind": "forward", "nodeId": 2 },
                { "kind": "hold" },
                { "kind": "discard", "reason": "test images" } ] }
            """;

        var rule = JsonSerializer.Deserialize<RoutingRule>(json, RuleJson.Options)!;

        rule.Conditions.Select(c => c.GetType().Name).Should().Equal("CallingAeTitleCondition", "CalledAeTitleCondition", "SourceAddressCondition",
            "AttributeCondition", "AttributeCondition", "AttributeCondition", "GroupCondition");
        rule.Actions.Select(a => a.GetType().Name).Should().Equal("ShipAction", "ForwardAction", "HoldAction", "DiscardAction");
        ((ShipAction)rule.Actions[0]).Recipients[1].ContactId.Should().Be(4);
        new RuleValidator(new PermissivePhoneNumberValidator()).Validate(rule).Should().BeEmpty();
    }

    [Fact]
    public async Task Update_replaces_a_rule_and_delete_removes_it()
    {
        var id = await Store.AddAsync(Cardiology(), RoutingFixture.Admin, None);
        var changed = Cardiology() with { Id = id, Name = "Renamed", Enabled = false, Actions = [new HoldAction()] };

        (await Store.UpdateAsync(changed, RoutingFixture.Admin, None)).Should().BeTrue();
        (await Store.ListAsync(None)).Single().Should().BeEquivalentTo(changed, o => o.ComparingRecordsByMembers().RespectingRuntimeTypes());

        (await Store.DeleteAsync(id, RoutingFixture.Admin, None)).Should().BeTrue();
        (await Store.ListAsync(None)).Should().BeEmpty();
        (await Store.DeleteAsync(id, RoutingFixture.Admin, None)).Should().BeFalse();
        (await Store.UpdateAsync(Cardiology() with { Id = id }, RoutingFixture.Admin, None)).Should().BeFalse();
    }

    [Fact]
    public async Task An_invalid_rule_is_refused_with_field_paths_and_nothing_is_stored()
    {
        var rule = Cardiology() with
        {
            Conditions = [Attribute("StudyDescription", ConditionOp.Regex, "(unclosed")],
            Actions = [new ShipAction { ExpiryDays = 400, Recipients = [new ShipRecipient { ContactId = 12 }] }, new ForwardAction { NodeId = 9 }],
        };

        var act = () => Store.AddAsync(rule, RoutingFixture.Admin, None);

        (await act.Should().ThrowAsync<RuleValidationException>()).Which.Errors.Select(e => e.Field)
            .Should().Equal("conditions[0].value", "actions[0].expiryDays", "actions[0].recipients[0].contactId", "actions[1].nodeId");
        (await Store.ListAsync(None)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_rule_may_name_an_existing_contact_and_a_known_forward_node()
    {
        var contactId = await _f.Contacts.AddAsync(new Contact { Name = "Dr. Novák", Email = "novak@example.org" }, RoutingFixture.Admin, None);
        var rule = new RoutingRule { Name = "r", Actions = [new ShipAction { Recipients = [new ShipRecipient { ContactId = contactId }] }, new ForwardAction { NodeId = 2 }] };

        (await Store.ValidateAsync(rule, None)).Should().BeEmpty();
        await Store.AddAsync(rule, RoutingFixture.Admin, None);

        var decision = await Store.EvaluateAsync(Input(), None);
        decision.Ships.Single().Recipients.Single().Should().Be(new PlannedRecipient("novak@example.org", null, "en", contactId));
        decision.Forwards.Single().NodeId.Should().Be(2);
    }

    [Fact]
    public async Task Reorder_gives_orders_10_20_30_in_the_order_given()
    {
        var a = await Store.AddAsync(new RoutingRule { Name = "a", Order = 1 }, RoutingFixture.Admin, None);
        var b = await Store.AddAsync(new RoutingRule { Name = "b", Order = 2 }, RoutingFixture.Admin, None);
        var c = await Store.AddAsync(new RoutingRule { Name = "c", Order = 3 }, RoutingFixture.Admin, None);

        await Store.ReorderAsync([c, a, b], RoutingFixture.Admin, None);

        (await Store.ListAsync(None)).Select(r => (r.Name, r.Order)).Should().Equal(("c", 10), ("a", 20), ("b", 30));
        (await Store.EvaluateAsync(Input(), None)).Trace.Select(t => t.Name).Should().Equal("c");
    }

    [Theory]
    [InlineData(new long[] { 1, 2 })]
    [InlineData(new long[] { 1, 2, 2 })]
    [InlineData(new long[] { 1, 2, 3, 4 })]
    public async Task Reorder_must_list_every_rule_exactly_once(long[] ids)
    {
        foreach (var name in new[] { "a", "b", "c" }) await Store.AddAsync(new RoutingRule { Name = name }, RoutingFixture.Admin, None);

        var act = () => Store.ReorderAsync(ids, RoutingFixture.Admin, None);

        (await act.Should().ThrowAsync<RuleValidationException>()).Which.Errors.Single().Field.Should().Be("ids");
        (await Store.ListAsync(None)).Select(r => r.Order).Should().Equal(10, 20, 30);
    }

    [Fact]
    public async Task A_rule_added_without_an_order_goes_last()
    {
        await Store.AddAsync(new RoutingRule { Name = "first", Order = 35 }, RoutingFixture.Admin, None);

        await Store.AddAsync(new RoutingRule { Name = "appended" }, RoutingFixture.Admin, None);

        (await Store.ListAsync(None)).Select(r => (r.Name, r.Order)).Should().Equal(("first", 35), ("appended", 45));
    }

    [Fact]
    public async Task Set_enabled_switches_a_rule_and_evaluation_follows()
    {
        var id = await Store.AddAsync(new RoutingRule { Name = "ship all", Actions = [Ship("a@example.org")] }, RoutingFixture.Admin, None);

        (await Store.SetEnabledAsync(id, false, RoutingFixture.Admin, None)).Should().BeTrue();
        (await Store.EvaluateAsync(Input(), None)).Disposition.Should().Be(RoutingDisposition.Held);
        (await Store.SetEnabledAsync(id, true, RoutingFixture.Admin, None)).Should().BeTrue();
        (await Store.EvaluateAsync(Input(), None)).Disposition.Should().Be(RoutingDisposition.Act);
        (await Store.SetEnabledAsync(id + 1, true, RoutingFixture.Admin, None)).Should().BeFalse();
    }

    [Fact]
    public async Task Every_write_is_audited_with_the_administrator_and_the_rule_but_no_addresses()
    {
        var id = await Store.AddAsync(Cardiology(), RoutingFixture.Admin, None);
        await Store.UpdateAsync(Cardiology() with { Id = id, Name = "Cardiology 2", Actions = [Ship("other@example.org")] }, RoutingFixture.Admin, None);
        await Store.SetEnabledAsync(id, false, RoutingFixture.Admin, None);
        await Store.ReorderAsync([id], RoutingFixture.Admin, None);
        await Store.DeleteAsync(id, RoutingFixture.Admin, None);

        var records = (await _f.AuditRecordsAsync()).Reverse().ToList();

        records.Select(r => r.Action).Should().Equal(AuditAction.Create, AuditAction.Update, AuditAction.Update, AuditAction.Update, AuditAction.Delete);
        records.Should().OnlyContain(r => r.EventId == AuditEventIds.SecurityAlert && r.EventType == AuditEventTypes.SecurityConfiguration &&
                                          r.ActorKind == AuditActorKind.Administrator && r.Actor == RoutingFixture.Admin);
        records[0].Detail.Should().Contain("routing rule added").And.Contain($"\"ruleId\":{id}").And.Contain("Cardiology consults");
        records[1].Detail.Should().Contain("\"name\"").And.Contain("actions: ship");
        records.Should().OnlyContain(r => !r.Detail!.Contains("603000000", StringComparison.Ordinal) && !r.Detail.Contains("@example.org", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_listener_answers_to_every_called_AE_title_an_enabled_rule_accepts()
    {
        Store.AnswersToCalledAeTitle("KARDIO").Should().BeFalse();
        var kardio = await Store.AddAsync(new RoutingRule { Name = "k", Conditions = [Called(" KARDIO ")] }, RoutingFixture.Admin, None);
        await Store.AddAsync(new RoutingRule { Name = "o", Conditions = [Called("ONKO?", ConditionOp.Wildcard)] }, RoutingFixture.Admin, None);
        await Store.AddAsync(new RoutingRule { Name = "r", Match = RuleMatchMode.Any, Conditions = [Calling("CT1"), Group(RuleMatchMode.All, Called("^RTG[0-9]+$", ConditionOp.Regex))] },
            RoutingFixture.Admin, None);
        await Store.AddAsync(new RoutingRule { Name = "off", Enabled = false, Conditions = [Called("OFF")] }, RoutingFixture.Admin, None);
        await Store.AddAsync(new RoutingRule { Name = "any" }, RoutingFixture.Admin, None);

        Store.AnswersToCalledAeTitle("KARDIO").Should().BeTrue();
        Store.AnswersToCalledAeTitle("KARDIO  ").Should().BeTrue();
        Store.AnswersToCalledAeTitle("kardio").Should().BeFalse();
        Store.AnswersToCalledAeTitle("ONKO1").Should().BeTrue();
        Store.AnswersToCalledAeTitle("onko1").Should().BeFalse();
        Store.AnswersToCalledAeTitle("RTG12").Should().BeTrue();
        Store.AnswersToCalledAeTitle("RTG").Should().BeFalse();
        Store.AnswersToCalledAeTitle("OFF").Should().BeFalse();
        Store.AnswersToCalledAeTitle("").Should().BeFalse();

        await Store.DeleteAsync(kardio, RoutingFixture.Admin, None);
        Store.AnswersToCalledAeTitle("KARDIO").Should().BeFalse();
    }

    [Fact]
    public async Task Answering_to_a_called_AE_title_allocates_nothing()
    {
        await Store.AddAsync(new RoutingRule { Name = "k", Conditions = [Called("KARDIO"), Called("ONKO*", ConditionOp.Wildcard), Called("^RTG", ConditionOp.Regex)] },
            RoutingFixture.Admin, None);
        int Ask()
        {
            var hits = 0;
            for (var i = 0; i < 1000; i++)
            {
                if (Store.AnswersToCalledAeTitle("KARDIO ")) hits++;
                if (Store.AnswersToCalledAeTitle(" ONKO2")) hits++;
                if (Store.AnswersToCalledAeTitle("RTG1")) hits++;
                if (Store.AnswersToCalledAeTitle("NOBODY")) hits++;
            }
            return hits;
        }
        Ask(); // the regular expression builds its automaton states lazily, once

        var before = GC.GetAllocatedBytesForCurrentThread();
        var answered = Ask();

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        answered.Should().Be(3000);
    }

    [Fact]
    public async Task Evaluation_uses_stored_order_and_fills_in_configured_defaults()
    {
        var store = _f.NewRules(_f.Database, _f.Contacts, new RoutingOptions { DefaultLanguage = "pl", DefaultExpiryDays = 30, TimeZone = "UTC" });
        await store.AddAsync(new RoutingRule { Name = "late", Order = 20, Actions = [Ship("late@example.org")] }, RoutingFixture.Admin, None);
        await store.AddAsync(new RoutingRule { Name = "early", Order = 10, StopOnMatch = false, Actions = [new ShipAction { Recipients = [new ShipRecipient { Email = "early@example.org", Language = "cs" }] }] },
            RoutingFixture.Admin, None);

        var decision = await store.EvaluateAsync(Input(), None);

        decision.Ships.Select(s => s.RuleName).Should().Equal("early", "late");
        decision.Ships.Select(s => s.Recipients.Single().Language).Should().Equal("cs", "pl");
        decision.Ships.Should().OnlyContain(s => s.ExpiryDays == 30);
        (await store.ListAsync(None)).SelectMany(r => r.Actions).OfType<ShipAction>().Should().OnlyContain(s => s.ExpiryDays == null);
    }

    [Fact]
    public async Task A_new_store_over_an_existing_database_evaluates_without_an_explicit_load()
    {
        await Store.AddAsync(new RoutingRule { Name = "Cardiology", Conditions = [Called("KARDIO")], Actions = [Ship("a@example.org")] }, RoutingFixture.Admin, None);
        var database = _f.Reopen();
        var restarted = _f.NewRules(database, _f.NewContacts(database));

        var decision = await restarted.EvaluateAsync(Input(), None);

        decision.Ships.Select(s => s.RuleName).Should().Equal("Cardiology");
        restarted.AnswersToCalledAeTitle("KARDIO").Should().BeTrue();
    }

    [Fact]
    public async Task A_dry_run_evaluates_unsaved_rules_instead_of_the_saved_ones_and_writes_nothing()
    {
        await Store.AddAsync(new RoutingRule { Name = "saved", Actions = [Ship("saved@example.org")] }, RoutingFixture.Admin, None);
        var auditBefore = (await _f.AuditRecordsAsync()).Count;
        RoutingRule[] unsaved =
        [
            new RoutingRule { Name = "try: discard test images", Conditions = [Wildcard("StudyDescription", "*TEST*")], Actions = [new DiscardAction { Reason = "test" }] },
            new RoutingRule { Name = "try: forward CT", Order = 20, Conditions = [Attribute("Modality", ConditionOp.Equal, "CT")], Actions = [new ForwardAction { NodeId = 2 }] },
        ];

        var tried = await Store.DryRunAsync(Input(), unsaved, None);
        var saved = await Store.DryRunAsync(Input(), null, None);

        tried.Trace.Select(t => (t.Name, t.Matched)).Should().Equal(("try: discard test images", false), ("try: forward CT", true));
        tried.Forwards.Should().Equal(new ForwardPlan(null, "try: forward CT", 2));
        saved.Ships.Single().RuleName.Should().Be("saved");
        (await Store.ListAsync(None)).Select(r => r.Name).Should().Equal("saved");
        (await _f.AuditRecordsAsync()).Should().HaveCount(auditBefore);
    }

    [Fact]
    public async Task A_dry_run_of_invalid_unsaved_rules_names_the_rule_and_field()
    {
        var act = () => Store.DryRunAsync(Input(), [new RoutingRule { Name = "ok" }, new RoutingRule { Name = "bad", Conditions = [Source("10.0.0.0/33")] }], None);

        (await act.Should().ThrowAsync<RuleValidationException>()).Which.Errors.Single().Field.Should().Be("rules[1].conditions[0].network");
    }
}
