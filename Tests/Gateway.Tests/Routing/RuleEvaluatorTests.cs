using DicomGateway.Routing;
using DicomKit.Data;
using static Gateway.Tests.Support.Headers;

namespace Gateway.Tests.Routing;

/// <summary>Every condition kind with every op it takes, and how conditions combine.</summary>
public sealed class RuleEvaluatorTests
{
    [Fact]
    public void An_empty_condition_list_matches_every_study_whether_all_or_any()
    {
        Matches(Input(new DicomDataset(), calling: "ANY", called: "OTHER"), RuleMatchMode.All).Should().BeTrue();
        Matches(Input(new DicomDataset(), calling: "ANY", called: "OTHER"), RuleMatchMode.Any).Should().BeTrue();
    }

    [Theory]
    [InlineData(ConditionOp.Equal, "KARDIO", "KARDIO", true)]
    [InlineData(ConditionOp.Equal, " KARDIO ", "KARDIO  ", true)]
    [InlineData(ConditionOp.Equal, "KARDIO", "kardio", false)]
    [InlineData(ConditionOp.Equal, "KARDIO", "KARDIO2", false)]
    [InlineData(ConditionOp.Wildcard, "KARDIO*", "KARDIO_2", true)]
    [InlineData(ConditionOp.Wildcard, "KARDIO?", "KARDIO2", true)]
    [InlineData(ConditionOp.Wildcard, "KARDIO?", "KARDIO", false)]
    [InlineData(ConditionOp.Wildcard, "KARDIO*", "kardio_2", false)]
    [InlineData(ConditionOp.Regex, "^KARDIO[0-9]$", "KARDIO7 ", true)]
    [InlineData(ConditionOp.Regex, "^KARDIO[0-9]$", "KARDIOX", false)]
    [InlineData(ConditionOp.Regex, "ARDI", "KARDIO", true)]
    [InlineData(ConditionOp.Regex, "(?i)^kardio$", "KARDIO", true)]
    public void The_called_AE_title_compares_trimmed_and_case_sensitive_by_every_op(ConditionOp op, string value, string calledAe, bool expected)
    {
        Matches(Input(called: calledAe), Called(value, op)).Should().Be(expected);
    }

    [Theory]
    [InlineData(ConditionOp.Equal, "CT1", "CT1 ", true)]
    [InlineData(ConditionOp.Equal, "CT1", "ct1", false)]
    [InlineData(ConditionOp.Wildcard, "CT*", "CT2", true)]
    [InlineData(ConditionOp.Wildcard, "CT*", "MR1", false)]
    [InlineData(ConditionOp.Regex, "^CT[12]$", "CT2", true)]
    [InlineData(ConditionOp.Regex, "^CT[12]$", "CT3", false)]
    public void The_calling_AE_title_compares_trimmed_and_case_sensitive_by_every_op(ConditionOp op, string value, string callingAe, bool expected)
    {
        Matches(Input(calling: callingAe), Calling(value, op)).Should().Be(expected);
    }

    [Theory]
    [InlineData("10.0.0.5", "10.0.0.5", true)]
    [InlineData("10.0.0.5", "10.0.0.6", false)]
    [InlineData("10.0.0.0/8", "10.200.1.1", true)]
    [InlineData("10.1.0.0/16", "10.2.0.1", false)]
    [InlineData("0.0.0.0/0", "192.168.1.1", true)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("::ffff:10.0.0.0/104", "10.1.2.3", true)]
    [InlineData("::ffff:10.0.0.0/104", "11.1.2.3", false)]
    [InlineData("2001:db8::/32", "2001:db8:1::7", true)]
    [InlineData("2001:db8::/32", "2001:db9::7", false)]
    [InlineData("2001:db8::1", "2001:db8::1", true)]
    [InlineData("10.0.0.0/8", "2001:db8::1", false)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    public void The_source_address_matches_an_address_or_a_network_of_either_family(string network, string peer, bool expected)
    {
        Matches(Input(address: peer), Source(network)).Should().Be(expected);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("modality.example.org")]
    public void A_missing_or_unparsable_peer_address_matches_no_network(string? peer)
    {
        Matches(Input(address: peer), Source("0.0.0.0/0")).Should().BeFalse();
    }

    [Theory]
    [InlineData("Modality", "CT", true)]
    [InlineData("Modality", "MR", false)]
    [InlineData("Modality", "ct", false)]
    [InlineData("(0008,0060)", "CT", true)]
    [InlineData("00080060", "CT", true)]
    [InlineData("0008,1030", "CT HEART WITH CONTRAST", true)]
    [InlineData("StudyDescription", "CT HEART WITH CONTRAST   ", true)]
    [InlineData("StudyDescription", "CT HEART", false)]
    public void Attribute_equals_is_exact_after_trimming_trailing_spaces_by_keyword_or_tag(string key, string value, bool expected)
    {
        Matches(Input(), Attribute(key, ConditionOp.Equal, value)).Should().Be(expected);
    }

    [Theory]
    [InlineData("Novák^Jan^^MUDr.", true)]
    [InlineData("NOVÁK^JAN^^MUDR.", true)]
    [InlineData(" novák ^ jan ^^ mudr. ", true)]
    [InlineData("Novák^Jan", false)]
    [InlineData("Novák", false)]
    public void Attribute_equals_on_a_person_name_compares_components_ignoring_case(string value, bool expected)
    {
        Matches(Input(), Attribute("PatientName", ConditionOp.Equal, value)).Should().Be(expected);
    }

    [Theory]
    [InlineData("Novak^Petr", true)]
    [InlineData("NOVAK^PETR^^^", true)]
    [InlineData("novak^petr^", true)]
    [InlineData("Novak", false)]
    public void Trailing_empty_person_name_components_do_not_count(string value, bool expected)
    {
        Matches(Input(), Attribute("ReferringPhysicianName", ConditionOp.Equal, value)).Should().Be(expected);
    }

    [Theory]
    [InlineData("Modality", "C?", true)]
    [InlineData("Modality", "ct", true)]
    [InlineData("StudyDescription", "*heart*", true)]
    [InlineData("StudyDescription", "*LUNG*", false)]
    [InlineData("StudyDescription", "CT HEART", false)]
    [InlineData("PatientName", "NOVÁK^JAN*", true)]
    [InlineData("PatientName", "Novák", false)]
    public void Attribute_wildcards_match_the_whole_value_ignoring_case(string key, string pattern, bool expected)
    {
        Matches(Input(), Wildcard(key, pattern)).Should().Be(expected);
    }

    [Theory]
    [InlineData("StudyDescription", "^CT HEART|CARDIO", true)]
    [InlineData("StudyDescription", "HEART", true)]
    [InlineData("StudyDescription", "^HEART", false)]
    [InlineData("StudyDescription", "heart", false)]
    [InlineData("StudyDescription", "(?i)heart", true)]
    [InlineData("Modality", "^(CT|MR)$", true)]
    [InlineData("PatientName", "^Nov", true)]
    public void Attribute_regular_expressions_match_anywhere_unless_anchored(string key, string pattern, bool expected)
    {
        Matches(Input(), Attribute(key, ConditionOp.Regex, pattern)).Should().Be(expected);
    }

    [Theory]
    [InlineData("StudyDescription", true)]
    [InlineData("BodyPartExamined", false)]
    [InlineData("(0019,1010)", false)]
    public void Present_and_absent_are_each_others_negation(string key, bool present)
    {
        Matches(Input(), Attribute(key, ConditionOp.Present)).Should().Be(present);
        Matches(Input(), Attribute(key, ConditionOp.Absent)).Should().Be(!present);
    }

    [Fact]
    public void An_attribute_present_without_a_value_counts_as_absent()
    {
        var header = Ct().AddOrUpdate(Tags.BodyPartExamined, DicomVR.CS, "");

        Matches(Input(header), Attribute("BodyPartExamined", ConditionOp.Present)).Should().BeFalse();
        Matches(Input(header), Attribute("BodyPartExamined", ConditionOp.Absent)).Should().BeTrue();
    }

    [Theory]
    [InlineData(ConditionOp.Wildcard, "*", true)]
    [InlineData(ConditionOp.Wildcard, "?*", false)]
    [InlineData(ConditionOp.Wildcard, "CT", false)]
    [InlineData(ConditionOp.Equal, "CT", false)]
    [InlineData(ConditionOp.Regex, ".*", false)]
    public void A_missing_attribute_matches_only_a_lone_star_among_the_value_ops(ConditionOp op, string value, bool expected)
    {
        Matches(Input(), Attribute("BodyPartExamined", op, value)).Should().Be(expected);
        Matches(Input(Ct().AddOrUpdate(Tags.BodyPartExamined, DicomVR.CS, "")), Attribute("BodyPartExamined", op, value)).Should().Be(expected);
    }

    [Theory]
    [InlineData(ConditionOp.Equal, "AXIAL", true)]
    [InlineData(ConditionOp.Equal, "DERIVED", false)]
    [InlineData(ConditionOp.Wildcard, "ORIG*", true)]
    [InlineData(ConditionOp.Regex, "^PRIM", true)]
    public void A_multi_valued_attribute_matches_when_any_value_does(ConditionOp op, string value, bool expected)
    {
        Matches(Input(), Attribute("ImageType", op, value)).Should().Be(expected);
    }

    [Fact]
    public void A_binary_number_matches_in_its_decimal_form()
    {
        var header = Ct().AddOrUpdate<ushort>(Tags.Rows, DicomVR.US, 512);

        Matches(Input(header), Attribute("Rows", ConditionOp.Equal, "512")).Should().BeTrue();
        Matches(Input(header), Wildcard("Rows", "5?2")).Should().BeTrue();
        Matches(Input(header), Attribute("Rows", ConditionOp.Regex, "^5")).Should().BeTrue();
        Matches(Input(header), Attribute("Rows", ConditionOp.Equal, "1024")).Should().BeFalse();
        Matches(Input(header), Attribute("Rows", ConditionOp.Present)).Should().BeTrue();
    }

    [Fact]
    public void All_needs_every_condition_and_any_needs_one()
    {
        RuleCondition[] conditions = [Called("KARDIO"), Calling("CT1"), Wildcard("Modality", "CT"), Wildcard("StudyDescription", "*HEART*")];

        Matches(Input(), RuleMatchMode.All, conditions).Should().BeTrue();
        Matches(Input(calling: "CT2"), RuleMatchMode.All, conditions).Should().BeFalse();
        Matches(Input(called: "ONKO"), RuleMatchMode.All, conditions).Should().BeFalse();
        Matches(Input(Ct("CT ABDOMEN")), RuleMatchMode.All, conditions).Should().BeFalse();

        Matches(Input(calling: "CT2", called: "ONKO"), RuleMatchMode.Any, conditions).Should().BeTrue();
        Matches(Input(new DicomDataset(), calling: "CT2", called: "ONKO"), RuleMatchMode.Any, conditions).Should().BeFalse();
    }

    [Fact]
    public void Groups_nest_with_their_own_match_mode()
    {
        // CT from CT1, or anything from CT2; and in any case sent from the hospital network.
        RuleCondition[] conditions =
        [
            Source("10.0.0.0/8"),
            Group(RuleMatchMode.Any,
                Group(RuleMatchMode.All, Calling("CT1"), Attribute("Modality", ConditionOp.Equal, "CT")),
                Calling("CT2")),
        ];

        Matches(Input(calling: "CT1"), conditions).Should().BeTrue();
        Matches(Input(Ct().AddOrUpdate(Tags.Modality, DicomVR.CS, "MR"), calling: "CT1"), conditions).Should().BeFalse();
        Matches(Input(Ct().AddOrUpdate(Tags.Modality, DicomVR.CS, "MR"), calling: "CT2"), conditions).Should().BeTrue();
        Matches(Input(calling: "CT2", address: "192.168.0.1"), conditions).Should().BeFalse();
        Matches(Input(calling: "CT3"), conditions).Should().BeFalse();
    }

    [Fact]
    public void The_trace_describes_each_top_level_condition_and_whether_it_held()
    {
        var rule = Rule("r", conditions: [Calling("CT1"), Wildcard("Modality", "MR"), Group(RuleMatchMode.Any, Called("X"), Called("KARDIO"))], actions: Ship("a@example.org"));

        var trace = Evaluate([rule], Input()).Trace.Single();

        trace.Matched.Should().BeFalse();
        trace.TimeWindowMatched.Should().BeNull();
        trace.Conditions.Should().Equal(
            new ConditionTrace("calling AE title equals \"CT1\"", true),
            new ConditionTrace("Modality matches wildcard \"MR\"", false),
            new ConditionTrace("any of (called AE title equals \"X\"; called AE title equals \"KARDIO\")", true));
    }
}
