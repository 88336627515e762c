using DicomGateway.Routing;
using DicomKit.Data;
using static Gateway.Tests.Routing.Headers;

namespace Gateway.Tests.Routing;

public sealed class RuleEvaluatorTests
{
    private static bool Matches(RuleMatch match, RoutingInput input) =>
        !RuleEvaluator.Evaluate([Rule("r", match, emails: "a@example.org")], input).Held;

    [Fact]
    public void An_empty_match_matches_every_study()
    {
        Matches(new RuleMatch(), Input(new DicomDataset(), calling: "ANY", called: "OTHER")).Should().BeTrue();
    }

    [Theory]
    [InlineData("KARDIO", "KARDIO", true)]
    [InlineData(" KARDIO ", "KARDIO  ", true)]
    [InlineData("KARDIO", "kardio", false)]
    [InlineData("KARDIO", "KARDIO2", false)]
    [InlineData("", "ANYTHING", true)]
    public void The_called_AE_title_compares_trimmed_and_case_sensitive(string ruleAe, string calledAe, bool expected)
    {
        Matches(new RuleMatch { CalledAeTitle = ruleAe }, Input(called: calledAe)).Should().Be(expected);
    }

    [Theory]
    [InlineData("CT1", "CT1 ", true)]
    [InlineData("CT1", "ct1", false)]
    [InlineData("CT1", "CT2", false)]
    public void The_calling_AE_title_compares_trimmed_and_case_sensitive(string ruleAe, string callingAe, bool expected)
    {
        Matches(new RuleMatch { CallingAeTitle = ruleAe }, Input(calling: callingAe)).Should().Be(expected);
    }

    [Theory]
    [InlineData("Modality", "CT", true)]
    [InlineData("Modality", "MR", false)]
    [InlineData("(0008,0060)", "C?", true)]
    [InlineData("00080060", "ct", true)]
    [InlineData("0008,1030", "*heart*", true)]
    [InlineData("StudyDescription", "*HEART*", true)]
    [InlineData("StudyDescription", "*LUNG*", false)]
    [InlineData("StudyDescription", "CT HEART", false)]
    public void An_attribute_matches_by_keyword_or_tag_with_wildcards(string key, string pattern, bool expected)
    {
        Matches(Attributes((key, pattern)), Input()).Should().Be(expected);
    }

    [Theory]
    [InlineData("AXIAL", true)]
    [InlineData("ORIGINAL", true)]
    [InlineData("DERIVED", false)]
    [InlineData("ORIGINAL\\PRIMARY*", false)]
    public void A_multi_valued_attribute_matches_when_any_value_does(string pattern, bool expected)
    {
        Matches(Attributes(("ImageType", pattern)), Input()).Should().Be(expected);
    }

    [Theory]
    [InlineData("Novák^Jan^^MUDr.", true)]
    [InlineData("NOVÁK^JAN*", true)]
    [InlineData("Novák", false)]
    [InlineData("Novák^*", true)]
    [InlineData("Jan", false)]
    public void A_person_name_matches_in_its_whole_string_form(string pattern, bool expected)
    {
        Matches(Attributes(("PatientName", pattern)), Input()).Should().Be(expected);
    }

    [Fact]
    public void A_person_name_with_ideographic_groups_is_one_string()
    {
        var header = Utf8().AddOrUpdate(Tags.PatientName, DicomVR.PN, "Yamada^Tarou=山田^太郎");

        Matches(Attributes(("PatientName", "Yamada^Tarou=*")), Input(header)).Should().BeTrue();
        Matches(Attributes(("PatientName", "Yamada^Tarou")), Input(header)).Should().BeFalse();
    }

    [Theory]
    [InlineData("*", true)]
    [InlineData("?*", false)]
    [InlineData("CT", false)]
    public void A_missing_attribute_matches_only_a_lone_star(string pattern, bool expected)
    {
        Matches(Attributes(("BodyPartExamined", pattern)), Input()).Should().Be(expected);
    }

    [Theory]
    [InlineData("*", true)]
    [InlineData("?*", false)]
    public void An_empty_attribute_matches_only_a_lone_star(string pattern, bool expected)
    {
        var header = Ct().AddOrUpdate(Tags.BodyPartExamined, DicomVR.CS, "");

        Matches(Attributes(("BodyPartExamined", pattern)), Input(header)).Should().Be(expected);
    }

    [Fact]
    public void A_binary_number_matches_in_its_decimal_form()
    {
        var header = Ct().AddOrUpdate<ushort>(Tags.Rows, DicomVR.US, 512);

        Matches(Attributes(("Rows", "512")), Input(header)).Should().BeTrue();
        Matches(Attributes(("Rows", "5?2")), Input(header)).Should().BeTrue();
        Matches(Attributes(("Rows", "1024")), Input(header)).Should().BeFalse();
    }

    [Fact]
    public void Every_given_condition_must_hold()
    {
        var match = new RuleMatch
        {
            CalledAeTitle = "KARDIO",
            CallingAeTitle = "CT1",
            Attributes = new Dictionary<string, string> { ["Modality"] = "CT", ["StudyDescription"] = "*HEART*" },
        };

        Matches(match, Input()).Should().BeTrue();
        Matches(match, Input(calling: "CT2")).Should().BeFalse();
        Matches(match, Input(called: "ONKO")).Should().BeFalse();
        Matches(match, Input(Ct("CT ABDOMEN"))).Should().BeFalse();
        Matches(match, Input(Ct().AddOrUpdate(Tags.Modality, DicomVR.CS, "MR"))).Should().BeFalse();
    }

    [Fact]
    public void Rules_are_taken_in_order_and_the_first_stopping_match_ends_evaluation()
    {
        var rules = new[]
        {
            Rule("third", order: 30, emails: "c@example.org"),
            Rule("first", Attributes(("Modality", "MR")), order: 10, emails: "a@example.org"),
            Rule("second", Attributes(("Modality", "CT")), order: 20, emails: "b@example.org"),
        };

        var decision = RuleEvaluator.Evaluate(rules, Input());

        decision.MatchedRules.Select(r => r.Name).Should().Equal("second");
        decision.Held.Should().BeFalse();
    }

    [Fact]
    public void Rules_that_do_not_stop_let_every_later_match_apply()
    {
        var rules = new[]
        {
            Rule("copy to archive", order: 10, stop: false, emails: "archive@example.org"),
            Rule("cardiology", Attributes(("StudyDescription", "*HEART*")), order: 20, stop: false, emails: "kardio@example.org"),
            Rule("oncology", Attributes(("StudyDescription", "*TUMOUR*")), order: 30, stop: false, emails: "onko@example.org"),
            Rule("fallback", order: 40, emails: "fallback@example.org"),
            Rule("never reached", order: 50, emails: "never@example.org"),
        };

        var decision = RuleEvaluator.Evaluate(rules, Input());

        decision.MatchedRules.Select(r => r.Name).Should().Equal("copy to archive", "cardiology", "fallback");
    }

    [Fact]
    public void Disabled_rules_are_skipped()
    {
        var rules = new[]
        {
            Rule("off", order: 10, enabled: false, emails: "off@example.org"),
            Rule("on", order: 20, emails: "on@example.org"),
        };

        RuleEvaluator.Evaluate(rules, Input()).MatchedRules.Select(r => r.Name).Should().Equal("on");
    }

    [Fact]
    public void A_study_no_rule_matches_is_held()
    {
        var decision = RuleEvaluator.Evaluate([Rule("mr only", Attributes(("Modality", "MR")), emails: "a@example.org")], Input());

        decision.MatchedRules.Should().BeEmpty();
        decision.Held.Should().BeTrue();
    }

    [Fact]
    public void A_matching_rule_without_recipients_counts_as_a_match_stops_evaluation_and_leaves_the_study_held()
    {
        var rules = new[]
        {
            Rule("hold CT for review", Attributes(("Modality", "CT")), order: 10),
            Rule("everything", order: 20, emails: "a@example.org"),
        };

        var decision = RuleEvaluator.Evaluate(rules, Input());

        decision.MatchedRules.Select(r => r.Name).Should().Equal("hold CT for review");
        decision.Held.Should().BeTrue();
    }
}
