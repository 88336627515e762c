using DicomGateway.Routing;

namespace Gateway.Tests.Routing;

public sealed class RuleValidatorTests
{
    private readonly RuleValidator _validator = new(new PermissivePhoneNumberValidator());

    private static RoutingRule Valid() => new()
    {
        Name = "Cardiology consults",
        Order = 10,
        Match = new RuleMatch
        {
            CalledAeTitle = "KARDIO",
            CallingAeTitle = "CT1",
            Attributes = new Dictionary<string, string> { ["Modality"] = "CT", ["(0008,1030)"] = "*HEART*", ["00100010"] = "*" },
        },
        Recipients = [new RuleRecipient { Email = "dr.novak@example.org", Phone = "+420 603 000 000", Language = "cs" }],
        ExpiryDays = 7,
        MaxDownloads = 3,
        NotifyEmail = "pacs@hospital.example",
        SenderName = "Radiology",
        SenderOrganisation = "Hospital",
    };

    private IEnumerable<string> FieldsAtFault(RoutingRule rule) => _validator.Validate(rule).Select(e => e.Field);

    [Fact]
    public void A_complete_rule_is_valid()
    {
        _validator.Validate(Valid()).Should().BeEmpty();
    }

    [Fact]
    public void A_rule_with_an_empty_match_and_no_recipients_is_valid()
    {
        _validator.Validate(new RoutingRule { Name = "hold everything" }).Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_rule_needs_a_name(string name)
    {
        FieldsAtFault(Valid() with { Name = name }).Should().Equal("Name");
    }

    [Theory]
    [InlineData("SEVENTEEN_CHARS_X")]
    [InlineData("BACK\\SLASH")]
    public void AE_titles_are_at_most_16_characters_without_backslash(string aeTitle)
    {
        var rule = Valid() with { Match = Valid().Match with { CalledAeTitle = aeTitle, CallingAeTitle = aeTitle } };

        FieldsAtFault(rule).Should().Equal("Match:CalledAeTitle", "Match:CallingAeTitle");
    }

    [Fact]
    public void An_AE_title_of_16_characters_with_padding_is_valid()
    {
        var rule = Valid() with { Match = Valid().Match with { CalledAeTitle = " SIXTEEN_CHARS_X " } };

        _validator.Validate(rule).Should().BeEmpty();
    }

    [Theory]
    [InlineData("NoSuchKeyword")]
    [InlineData("modality")]
    [InlineData("(0008,106)")]
    [InlineData("0008XYZ0")]
    public void Attribute_keys_must_be_keywords_or_tags(string key)
    {
        var rule = Valid() with { Match = new RuleMatch { Attributes = new Dictionary<string, string> { [key] = "CT" } } };

        var errors = _validator.Validate(rule);

        errors.Should().ContainSingle().Which.Field.Should().Be("Match:Attributes:" + key);
    }

    [Fact]
    public void A_well_formed_private_tag_is_accepted()
    {
        var rule = Valid() with { Match = new RuleMatch { Attributes = new Dictionary<string, string> { ["(0019,1010)"] = "X*" } } };

        _validator.Validate(rule).Should().BeEmpty();
    }

    [Fact]
    public void A_sequence_cannot_be_matched_on()
    {
        var rule = Valid() with { Match = new RuleMatch { Attributes = new Dictionary<string, string> { ["ReferencedStudySequence"] = "*" } } };

        _validator.Validate(rule).Should().ContainSingle().Which.Message.Should().Contain("SQ");
    }

    [Theory]
    [InlineData("")]
    [InlineData("A\\B")]
    public void Patterns_must_be_given_and_hold_no_backslash(string pattern)
    {
        var rule = Valid() with { Match = new RuleMatch { Attributes = new Dictionary<string, string> { ["Modality"] = pattern } } };

        FieldsAtFault(rule).Should().Equal("Match:Attributes:Modality");
    }

    [Fact]
    public void Patterns_are_at_most_64_characters()
    {
        var at = new RoutingRule { Name = "n", Match = new RuleMatch { Attributes = new Dictionary<string, string> { ["StudyDescription"] = new string('*', 64) } } };
        var over = at with { Match = new RuleMatch { Attributes = new Dictionary<string, string> { ["StudyDescription"] = new string('*', 65) } } };

        _validator.Validate(at).Should().BeEmpty();
        _validator.Validate(over).Should().ContainSingle().Which.Message.Should().Contain("64");
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(365, true)]
    [InlineData(366, false)]
    public void Expiry_days_are_from_1_to_365(int days, bool valid)
    {
        FieldsAtFault(Valid() with { ExpiryDays = days }).Should().Equal(valid ? Array.Empty<string>() : new[] { "ExpiryDays" });
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(-1, false)]
    [InlineData(1, true)]
    public void Max_downloads_are_at_least_1_when_set(int downloads, bool valid)
    {
        FieldsAtFault(Valid() with { MaxDownloads = downloads }).Should().Equal(valid ? Array.Empty<string>() : new[] { "MaxDownloads" });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not an address")]
    [InlineData("Dr Novak <dr.novak@example.org>")]
    [InlineData("dr.novak@")]
    public void Recipients_need_a_bare_email_address(string? email)
    {
        var rule = Valid() with { Recipients = [new RuleRecipient { Email = "ok@example.org" }, new RuleRecipient { Email = email }] };

        FieldsAtFault(rule).Should().Equal("Recipients:1:Email");
    }

    [Theory]
    [InlineData("call me")]
    [InlineData("")]
    [InlineData("++420")]
    public void A_phone_number_the_phone_validator_refuses_names_the_field(string phone)
    {
        var rule = Valid() with { Recipients = [new RuleRecipient { Email = "a@example.org", Phone = phone }] };

        FieldsAtFault(rule).Should().Equal("Recipients:0:Phone");
    }

    [Fact]
    public void The_phone_check_is_a_replaceable_seam()
    {
        var strict = new RuleValidator(new RefuseAll());
        var rule = Valid() with { Recipients = [new RuleRecipient { Email = "a@example.org", Phone = "+420603000000" }] };

        strict.Validate(rule).Should().ContainSingle().Which.Should().Be(new RuleValidationError("Recipients:0:Phone", "must be E.164"));
        strict.Validate(rule with { Recipients = [new RuleRecipient { Email = "a@example.org" }] }).Should().BeEmpty();
    }

    [Theory]
    [InlineData("de")]
    [InlineData("CS")]
    [InlineData("")]
    public void Languages_are_cs_pl_or_en(string language)
    {
        var rule = Valid() with { Recipients = [new RuleRecipient { Email = "a@example.org", Language = language }] };

        FieldsAtFault(rule).Should().Equal("Recipients:0:Language");
    }

    [Fact]
    public void A_notify_address_must_be_an_email_address()
    {
        FieldsAtFault(Valid() with { NotifyEmail = "pacs at hospital" }).Should().Equal("NotifyEmail");
    }

    [Fact]
    public void Every_fault_is_reported_at_once_and_the_exception_names_the_fields()
    {
        var rule = new RoutingRule { Name = "", ExpiryDays = 0, Recipients = [new RuleRecipient { Email = "x" }] };

        var act = () => _validator.EnsureValid(rule);

        act.Should().Throw<RuleValidationException>()
            .Where(e => e.Errors.Count == 3 && e.Message.Contains("Name:") && e.Message.Contains("ExpiryDays:") && e.Message.Contains("Recipients:0:Email:"));
    }

    private sealed class RefuseAll : IPhoneNumberValidator
    {
        public string? Validate(string phone) => "must be E.164";
    }
}
