using DicomGateway.AddressBook;
using DicomGateway.Routing;
using static Gateway.Tests.Support.Headers;

namespace Gateway.Tests.Routing;

/// <summary>Order, stopOnMatch, the disposition precedence table, defaults and recipients.</summary>
public sealed class RoutingDecisionTests
{
    private static readonly RuleCondition IsCt = Attribute("Modality", ConditionOp.Equal, "CT");
    private static readonly RuleCondition IsMr = Attribute("Modality", ConditionOp.Equal, "MR");

    [Fact]
    public void Rules_are_taken_in_order_and_the_first_stopping_match_ends_evaluation()
    {
        var rules = new[]
        {
            Rule("third", order: 30, actions: Ship("c@example.org")),
            Rule("first", order: 10, conditions: [IsMr], actions: Ship("a@example.org")),
            Rule("second", order: 20, conditions: [IsCt], actions: Ship("b@example.org")),
        };

        var decision = Evaluate(rules, Input());

        decision.Trace.Select(t => (t.Name, t.Matched, t.StoppedHere)).Should().Equal(("first", false, false), ("second", true, true));
        decision.Ships.Select(s => s.RuleName).Should().Equal("second");
        decision.Disposition.Should().Be(RoutingDisposition.Act);
    }

    [Fact]
    public void Rules_that_do_not_stop_let_every_later_match_apply()
    {
        var rules = new[]
        {
            Rule("copy to archive", order: 10, stop: false, actions: Ship("archive@example.org")),
            Rule("cardiology", order: 20, stop: false, conditions: [Wildcard("StudyDescription", "*HEART*")], actions: Ship("kardio@example.org")),
            Rule("oncology", order: 30, stop: false, conditions: [Wildcard("StudyDescription", "*TUMOUR*")], actions: Ship("onko@example.org")),
            Rule("fallback", order: 40, actions: Ship("fallback@example.org")),
            Rule("never reached", order: 50, actions: Ship("never@example.org")),
        };

        var decision = Evaluate(rules, Input());

        decision.Ships.Select(s => s.RuleName).Should().Equal("copy to archive", "cardiology", "fallback");
        decision.Trace.Select(t => t.Name).Should().Equal("copy to archive", "cardiology", "oncology", "fallback");
        decision.Trace.Last().StoppedHere.Should().BeTrue();
    }

    [Fact]
    public void Disabled_rules_are_skipped_and_shown_as_disabled()
    {
        var rules = new[] { Rule("off", order: 10, enabled: false, actions: Ship("off@example.org")), Rule("on", order: 20, actions: Ship("on@example.org")) };

        var decision = Evaluate(rules, Input());

        decision.Ships.Select(s => s.RuleName).Should().Equal("on");
        decision.Trace[0].Should().BeEquivalentTo(new { Name = "off", Enabled = false, Matched = false, StoppedHere = false });
    }

    [Fact]
    public void A_matching_rule_without_actions_stops_evaluation_and_leaves_the_study_held()
    {
        var rules = new[] { Rule("hold CT for review", order: 10, conditions: [IsCt]), Rule("everything", order: 20, actions: Ship("a@example.org")) };

        var decision = Evaluate(rules, Input());

        decision.Trace.Select(t => t.Name).Should().Equal("hold CT for review");
        decision.Disposition.Should().Be(RoutingDisposition.Held);
        decision.Ships.Should().BeEmpty();
    }

    public static TheoryData<string[], RoutingDisposition, int> Precedence => new()
    {
        // The actions of the matched rules (each its own non-stopping rule) → the disposition and how many warnings.
        { [], RoutingDisposition.Held, 1 },
        { ["ship"], RoutingDisposition.Act, 0 },
        { ["forward"], RoutingDisposition.Act, 0 },
        { ["hold"], RoutingDisposition.Held, 0 },
        { ["discard"], RoutingDisposition.Discard, 0 },
        { ["ship", "hold"], RoutingDisposition.Act, 1 },
        { ["hold", "forward"], RoutingDisposition.Act, 1 },
        { ["ship", "discard"], RoutingDisposition.Act, 1 },
        { ["discard", "forward", "hold"], RoutingDisposition.Act, 2 },
        { ["hold", "discard"], RoutingDisposition.Held, 1 },
        { ["discard", "hold"], RoutingDisposition.Held, 1 },
        { ["ship-to-nobody"], RoutingDisposition.Held, 2 },
        { ["ship-to-nobody", "discard"], RoutingDisposition.Discard, 2 },
    };

    [Theory]
    [MemberData(nameof(Precedence))]
    public void Ship_or_forward_beats_hold_which_beats_discard_and_nothing_is_held(string[] kinds, RoutingDisposition expected, int warnings)
    {
        var rules = kinds.Select((kind, i) => Rule(kind, order: (i + 1) * 10, stop: false, actions: kind switch
        {
            "ship" => Ship("a@example.org"),
            "forward" => new ForwardAction { NodeId = 2 },
            "hold" => new HoldAction(),
            "discard" => new DiscardAction { Reason = "test images" },
            _ => new ShipAction { Recipients = [new ShipRecipient { ContactId = 99 }] },
        })).ToList();

        var decision = Evaluate(rules, Input());

        decision.Disposition.Should().Be(expected);
        decision.Warnings.Should().HaveCount(warnings);
        decision.Discard.Should().Be(expected == RoutingDisposition.Discard ? new DiscardPlan(decision.Discard?.RuleId, "discard", "test images") : null);
        if (expected == RoutingDisposition.Act && kinds.Contains("forward")) decision.Forwards.Should().ContainSingle().Which.NodeId.Should().Be(2);
    }

    [Fact]
    public void A_rule_can_ship_and_forward_at_once()
    {
        var rule = Rule("both", actions: [Ship("a@example.org"), new ForwardAction { NodeId = 7 }]);

        var decision = Evaluate([rule], Input());

        decision.Disposition.Should().Be(RoutingDisposition.Act);
        decision.Ships.Should().ContainSingle();
        decision.Forwards.Should().Equal(new ForwardPlan(10, "both", 7));
    }

    [Fact]
    public void Defaults_fill_in_expiry_and_language_and_the_ship_action_names_the_rest()
    {
        var ship = new ShipAction
        {
            Recipients = [new ShipRecipient { Email = "a@example.org" }, new ShipRecipient { Phone = "+420603000000", Language = "cs" }],
            MaxDownloads = 3,
            NotifyEmail = "pacs@hospital.example",
            SenderName = "Radiology",
            SenderOrganisation = "Hospital",
        };
        var options = new RoutingOptions { DefaultExpiryDays = 30, DefaultLanguage = "pl", TimeZone = "UTC" };

        var decision = RuleEvaluator.Evaluate([Rule("r", actions: ship)], Input(), options);

        decision.Ships.Single().Should().BeEquivalentTo(new ShipPlan(10, "r",
            [new PlannedRecipient("a@example.org", null, "pl", null), new PlannedRecipient(null, "+420603000000", "cs", null)],
            30, 3, "pacs@hospital.example", "Radiology", "Hospital"));
    }

    [Fact]
    public void The_actions_language_comes_before_the_default()
    {
        var ship = new ShipAction { Language = "cs", Recipients = [new ShipRecipient { Email = "a@example.org" }, new ShipRecipient { Email = "b@example.org", Language = "en" }] };

        var recipients = Evaluate([Rule("r", actions: ship)], Input()).Ships.Single().Recipients;

        recipients.Select(r => r.Language).Should().Equal("cs", "en");
    }

    private static readonly Contact Novak = new()
    {
        Id = 4, Name = "MUDr. Petr Novák", Email = "novak@example.org", Phone = "+420603000001", Language = "cs", DicomNames = ["Novak^Petr", "Novák^Petr"],
    };

    private static readonly Contact Svoboda = new() { Id = 5, Name = "Jana Svobodová", Email = "svoboda@example.org", DicomNames = ["SVOBODOVA^JANA"] };

    [Fact]
    public void A_contact_recipient_takes_its_addresses_and_language_from_the_address_book()
    {
        var ship = new ShipAction { Recipients = [new ShipRecipient { ContactId = 4 }, new ShipRecipient { ContactId = 5 }] };

        var decision = Evaluate([Rule("r", actions: ship)], Input(), contacts: [Novak, Svoboda]);

        decision.Ships.Single().Recipients.Should().Equal(
            new PlannedRecipient("novak@example.org", "+420603000001", "cs", 4),
            new PlannedRecipient("svoboda@example.org", null, "en", 5));
    }

    [Fact]
    public void The_action_language_overrides_the_contacts_own()
    {
        var ship = new ShipAction { Language = "pl", Recipients = [new ShipRecipient { ContactId = 4 }] };

        Evaluate([Rule("r", actions: ship)], Input(), contacts: [Novak]).Ships.Single().Recipients.Single().Language.Should().Be("pl");
    }

    [Fact]
    public void A_contact_deleted_before_evaluation_is_skipped_with_a_warning()
    {
        var ship = new ShipAction { Recipients = [new ShipRecipient { ContactId = 77 }, new ShipRecipient { Email = "a@example.org" }] };

        var decision = Evaluate([Rule("Cardiology", actions: ship)], Input(), contacts: [Novak]);

        decision.Ships.Single().Recipients.Select(r => r.Email).Should().Equal("a@example.org");
        decision.Warnings.Should().ContainSingle().Which.Should().Contain("contact 77").And.Contain("Cardiology");
    }

    [Fact]
    public void A_lookup_ships_to_the_contacts_whose_DICOM_names_match_the_study()
    {
        // The study says "NOVAK^PETR^^^"; the contact has "Novak^Petr".
        var ship = new ShipAction { LookupAttribute = "ReferringPhysicianName", Recipients = [new ShipRecipient { Email = "archive@example.org" }] };

        var decision = Evaluate([Rule("by referring physician", actions: ship)], Input(), contacts: [Novak, Svoboda]);

        decision.Ships.Single().Recipients.Should().Equal(
            new PlannedRecipient("archive@example.org", null, "en", null),
            new PlannedRecipient("novak@example.org", "+420603000001", "cs", 4));
        decision.Disposition.Should().Be(RoutingDisposition.Act);
    }

    [Fact]
    public void A_lookup_that_finds_nobody_leaves_the_study_held_with_warnings()
    {
        var ship = new ShipAction { LookupAttribute = "ReferringPhysicianName" };

        var decision = Evaluate([Rule("by referring physician", actions: ship)], Input(), contacts: [Svoboda]);

        decision.Disposition.Should().Be(RoutingDisposition.Held);
        decision.Ships.Should().BeEmpty();
        decision.Warnings.Should().HaveCount(2).And.Contain(w => w.Contains("ReferringPhysicianName", StringComparison.Ordinal));
    }

    [Fact]
    public void A_recipient_named_twice_in_one_ship_receives_one_shipment()
    {
        var ship = new ShipAction { LookupAttribute = "ReferringPhysicianName", Recipients = [new ShipRecipient { ContactId = 4 }, new ShipRecipient { Email = "NOVAK@example.org", Phone = "+420603000001" }] };

        Evaluate([Rule("r", actions: ship)], Input(), contacts: [Novak]).Ships.Single().Recipients.Should().ContainSingle();
    }

    [Fact]
    public void Unsaved_rules_without_ids_are_traced_without_ids()
    {
        var decision = Evaluate([Rule("new", actions: Ship("a@example.org")) with { Id = 0 }], Input());

        decision.Trace.Single().RuleId.Should().BeNull();
        decision.Ships.Single().RuleId.Should().BeNull();
    }
}
