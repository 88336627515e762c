using DicomGateway.Hosting;
using DicomGateway.Routing;
using static Gateway.Tests.Support.Headers;

namespace Gateway.Tests.Routing;

public sealed class RuleValidatorTests
{
    private readonly RuleValidator _validator = new(new PermissivePhoneNumberValidator());

    private static RoutingRule Valid() => new()
    {
        Name = "Cardiology consults",
        Order = 10,
        Conditions =
        [
            Called("KARDIO"),
            Calling("CT?", ConditionOp.Wildcard),
            Source("2001:db8::/32"),
            Wildcard("(0008,1030)", "*HEART*"),
            Attribute("00100010", ConditionOp.Regex, "^Nov"),
            Attribute("ReferencedStudySequence", ConditionOp.Present),
            Group(RuleMatchMode.Any, Group(RuleMatchMode.All, Group(RuleMatchMode.Any, Calling("CT1")))),
        ],
        TimeWindow = new TimeWindow { Days = ["mon", "FRI"], From = "22:00", To = "06:00" },
        Actions =
        [
            new ShipAction
            {
                Recipients = [new ShipRecipient { Email = "dr.novak@example.org", Phone = "+420 603 000 000", Language = "cs" }, new ShipRecipient { Phone = "+420603000001" }, new ShipRecipient { ContactId = 3 }],
                LookupAttribute = "ReferringPhysicianName",
                ExpiryDays = 7,
                MaxDownloads = 3,
                Language = "pl",
                NotifyEmail = "pacs@hospital.example",
                SenderName = "Radiology",
                SenderOrganisation = "Hospital",
            },
            new ForwardAction { NodeId = 2 },
            new HoldAction(),
            new DiscardAction { Reason = "test images" },
        ],
    };

    private IEnumerable<string> FieldsAtFault(RoutingRule rule) => _validator.Validate(rule).Select(e => e.Field);

    private static RoutingRule With(params RuleCondition[] conditions) => new() { Name = "r", Conditions = conditions };

    [Fact]
    public void A_complete_rule_is_valid()
    {
        _validator.Validate(Valid()).Should().BeEmpty();
    }

    [Fact]
    public void A_rule_with_no_conditions_and_no_actions_is_valid()
    {
        _validator.Validate(new RoutingRule { Name = "hold everything" }).Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_rule_needs_a_name(string name)
    {
        FieldsAtFault(Valid() with { Name = name }).Should().Equal("name");
    }

    [Theory]
    [InlineData("SEVENTEEN_CHARS_X")]
    [InlineData("BACK\\SLASH")]
    [InlineData("ŽLUŤOUČKÝ")]
    [InlineData("  ")]
    public void AE_titles_are_at_most_16_ASCII_characters_without_backslash(string aeTitle)
    {
        FieldsAtFault(With(Called(aeTitle), Calling(aeTitle, ConditionOp.Wildcard))).Should().Equal("conditions[0].value", "conditions[1].value");
    }

    [Fact]
    public void An_AE_title_of_16_characters_with_padding_is_valid()
    {
        _validator.Validate(With(Called(" SIXTEEN_CHARS_X "))).Should().BeEmpty();
    }

    [Theory]
    [InlineData(ConditionOp.Present)]
    [InlineData(ConditionOp.Absent)]
    public void AE_titles_take_only_equals_wildcard_or_regex(ConditionOp op)
    {
        _validator.Validate(With(Called("X", op))).Should().ContainSingle().Which.Should().Be(
            new FieldError("conditions[0].op", "must be equals, wildcard or regex for an AE title"));
    }

    [Theory]
    [InlineData("(unclosed")]
    [InlineData("a{2,1}")]
    [InlineData("(?<=x)y")]
    [InlineData("(a)\\1")]
    public void A_regular_expression_that_does_not_compile_without_backtracking_is_refused_with_the_reason(string pattern)
    {
        var error = _validator.Validate(With(Called("K"), Attribute("StudyDescription", ConditionOp.Regex, pattern))).Should().ContainSingle().Subject;

        error.Field.Should().Be("conditions[1].value");
        error.Message.Should().StartWith("not a valid regular expression: ");
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.1.2.3/16")]
    [InlineData("example.org")]
    [InlineData("2001:db8::/129")]
    public void A_source_address_must_be_an_address_or_a_network_in_canonical_form(string network)
    {
        FieldsAtFault(With(Source(network))).Should().Equal("conditions[0].network");
    }

    [Theory]
    [InlineData("NoSuchKeyword")]
    [InlineData("modality")]
    [InlineData("(0008,106)")]
    [InlineData("0008XYZ0")]
    public void Attribute_keys_must_be_keywords_or_tags(string key)
    {
        FieldsAtFault(With(Attribute(key, ConditionOp.Equal, "CT"))).Should().Equal("conditions[0].key");
    }

    [Fact]
    public void A_well_formed_private_tag_is_accepted()
    {
        _validator.Validate(With(Wildcard("(0019,1010)", "X*"))).Should().BeEmpty();
    }

    [Fact]
    public void A_sequence_can_be_tested_for_presence_only()
    {
        _validator.Validate(With(Attribute("ReferencedStudySequence", ConditionOp.Absent))).Should().BeEmpty();
        _validator.Validate(With(Wildcard("ReferencedStudySequence", "*"))).Should().ContainSingle().Which.Message.Should().Contain("SQ");
    }

    [Theory]
    [InlineData(ConditionOp.Equal, "")]
    [InlineData(ConditionOp.Equal, null)]
    [InlineData(ConditionOp.Equal, "A\\B")]
    [InlineData(ConditionOp.Wildcard, "")]
    [InlineData(ConditionOp.Wildcard, "A\\B")]
    [InlineData(ConditionOp.Regex, "")]
    public void Value_ops_need_a_value_without_backslash(ConditionOp op, string? value)
    {
        FieldsAtFault(With(Attribute("Modality", op, value))).Should().Equal("conditions[0].value");
    }

    [Fact]
    public void Wildcard_patterns_are_at_most_64_characters()
    {
        _validator.Validate(With(Wildcard("StudyDescription", new string('*', 64)))).Should().BeEmpty();
        _validator.Validate(With(Wildcard("StudyDescription", new string('*', 65)))).Should().ContainSingle().Which.Message.Should().Contain("64");
    }

    [Fact]
    public void Groups_need_conditions_and_nest_at_most_three_deep()
    {
        FieldsAtFault(With(Group(RuleMatchMode.All))).Should().Equal("conditions[0].conditions");
        var tooDeep = Group(RuleMatchMode.All, Group(RuleMatchMode.All, Group(RuleMatchMode.All, Group(RuleMatchMode.All, Calling("CT1")))));
        _validator.Validate(With(tooDeep)).Should().ContainSingle().Which.Should().Be(
            new FieldError("conditions[0].conditions[0].conditions[0].conditions[0]", "nests groups deeper than 3 levels"));
    }

    [Fact]
    public void Errors_inside_groups_name_the_path_to_them()
    {
        FieldsAtFault(With(Calling("CT1"), Group(RuleMatchMode.Any, Calling("CT2"), Attribute("Nope", ConditionOp.Present)))).Should().Equal("conditions[1].conditions[1].key");
    }

    [Theory]
    [InlineData(new[] { "monday" }, "07:00", "15:30", "timeWindow.days[0]")]
    [InlineData(new[] { "mon" }, "7:00", "15:30", "timeWindow.from")]
    [InlineData(new[] { "mon" }, "24:00", "15:30", "timeWindow.from")]
    [InlineData(new[] { "mon" }, "07:00", "15:60", "timeWindow.to")]
    [InlineData(new[] { "mon" }, "07:00", "25:00", "timeWindow.to")]
    public void Time_windows_take_day_names_and_HH_mm_times(string[] days, string from, string to, string field)
    {
        FieldsAtFault(new RoutingRule { Name = "r", TimeWindow = new TimeWindow { Days = days, From = from, To = to } }).Should().Equal(field);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(365, true)]
    [InlineData(366, false)]
    public void Expiry_days_are_from_1_to_365(int days, bool valid)
    {
        var rule = new RoutingRule { Name = "r", Actions = [Ship("a@example.org") with { ExpiryDays = days }] };

        FieldsAtFault(rule).Should().Equal(valid ? Array.Empty<string>() : ["actions[0].expiryDays"]);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(-1, false)]
    [InlineData(1, true)]
    public void Max_downloads_are_at_least_1_when_set(int downloads, bool valid)
    {
        var rule = new RoutingRule { Name = "r", Actions = [Ship("a@example.org") with { MaxDownloads = downloads }] };

        FieldsAtFault(rule).Should().Equal(valid ? Array.Empty<string>() : ["actions[0].maxDownloads"]);
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("Dr Novak <dr.novak@example.org>")]
    [InlineData("dr.novak@")]
    public void Recipient_email_must_be_a_bare_address(string email)
    {
        var rule = new RoutingRule { Name = "r", Actions = [Ship("ok@example.org", email)] };

        FieldsAtFault(rule).Should().Equal("actions[0].recipients[1].email");
    }

    [Fact]
    public void A_recipient_needs_an_address_a_phone_or_a_contact_but_not_a_contact_and_an_address()
    {
        var rule = new RoutingRule
        {
            Name = "r",
            Actions = [new ShipAction { Recipients = [new ShipRecipient(), new ShipRecipient { ContactId = 3, Email = "a@example.org" }, new ShipRecipient { ContactId = 0 }] }],
        };

        FieldsAtFault(rule).Should().Equal("actions[0].recipients[0]", "actions[0].recipients[1]", "actions[0].recipients[2].contactId");
    }

    [Fact]
    public void A_ship_action_needs_someone_to_ship_to()
    {
        FieldsAtFault(new RoutingRule { Name = "r", Actions = [new ShipAction()] }).Should().Equal("actions[0].recipients");
        FieldsAtFault(new RoutingRule { Name = "r", Actions = [new ShipAction { LookupAttribute = "ReferringPhysicianName" }] }).Should().BeEmpty();
        FieldsAtFault(new RoutingRule { Name = "r", Actions = [new ShipAction { LookupAttribute = "ReferringDoctor" }] }).Should().Equal("actions[0].lookupAttribute");
    }

    [Theory]
    [InlineData("call me")]
    [InlineData("")]
    [InlineData("++420")]
    public void A_phone_number_the_phone_validator_refuses_names_the_field(string phone)
    {
        var rule = new RoutingRule { Name = "r", Actions = [new ShipAction { Recipients = [new ShipRecipient { Email = "a@example.org", Phone = phone }] }] };

        FieldsAtFault(rule).Should().Equal("actions[0].recipients[0].phone");
    }

    [Fact]
    public void The_phone_check_is_a_replaceable_seam()
    {
        var strict = new RuleValidator(new RefuseAll());
        var rule = new RoutingRule { Name = "r", Actions = [new ShipAction { Recipients = [new ShipRecipient { Email = "a@example.org", Phone = "+420603000000" }] }] };

        strict.Validate(rule).Should().ContainSingle().Which.Should().Be(new FieldError("actions[0].recipients[0].phone", "must be E.164"));
    }

    [Theory]
    [InlineData("de")]
    [InlineData("CS")]
    [InlineData("")]
    public void Languages_are_cs_pl_or_en(string language)
    {
        var rule = new RoutingRule
        {
            Name = "r",
            Actions = [new ShipAction { Language = language, Recipients = [new ShipRecipient { Email = "a@example.org", Language = language }] }],
        };

        FieldsAtFault(rule).Should().Equal("actions[0].language", "actions[0].recipients[0].language");
    }

    [Fact]
    public void Forward_needs_a_node_and_a_notify_address_must_be_an_email_address()
    {
        var rule = new RoutingRule { Name = "r", Actions = [new ForwardAction(), Ship("a@example.org") with { NotifyEmail = "pacs at hospital" }] };

        FieldsAtFault(rule).Should().Equal("actions[0].nodeId", "actions[1].notifyEmail");
    }

    [Fact]
    public void Every_fault_is_reported_at_once_and_the_exception_names_the_fields()
    {
        var rule = new RoutingRule { Name = "", Conditions = [Called("a\\b")], Actions = [Ship("x") with { ExpiryDays = 0 }] };

        var act = () => _validator.EnsureValid(rule);

        var thrown = act.Should().Throw<RuleValidationException>().Which;
        thrown.Errors.Should().HaveCount(4);
        thrown.Message.Should().Contain("name:").And.Contain("conditions[0].value:").And.Contain("actions[0].expiryDays:").And.Contain("actions[0].recipients[0].email:");
        thrown.ByField().Keys.Should().BeEquivalentTo("name", "conditions[0].value", "actions[0].expiryDays", "actions[0].recipients[0].email");
    }

    private sealed class RefuseAll : IPhoneNumberValidator
    {
        public string? Validate(string phone) => "must be E.164";
    }
}
