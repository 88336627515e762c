using DicomGateway.AddressBook;
using DicomGateway.Notifications;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Notifications;

public sealed class PhoneNumberTests
{
    private static PhoneNumberNormalizer Normalizer(string region = "CZ") => new(Options.Create(new SmsOptions { DefaultRegion = region }));

    [Theory]
    [InlineData("603 000 000", "+420603000000")]
    [InlineData("603000000", "+420603000000")]
    [InlineData("+420 603 000 000", "+420603000000")]
    [InlineData("00420 603-000-000", "+420603000000")]
    [InlineData("+48 512 345 678", "+48512345678")]
    [InlineData("+421 905 123 456", "+421905123456")]
    public void A_mobile_number_is_normalised_to_E164_with_Czechia_as_the_default_region(string input, string expected)
    {
        Normalizer().TryNormalize(input, out var e164).Should().BeTrue();
        e164.Should().Be(expected);
    }

    [Fact]
    public void A_number_without_country_code_is_read_in_the_configured_region()
    {
        Normalizer("PL").TryNormalize("512 345 678", out var e164).Should().BeTrue();
        e164.Should().Be("+48512345678");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("hello")]
    [InlineData("12")]
    [InlineData("603 000 000 000 000")]
    [InlineData("+999 123 456 789")]
    [InlineData("'; DROP TABLE recipients; --")]
    public void Garbage_is_rejected(string? input)
    {
        Normalizer().TryNormalize(input, out var e164).Should().BeFalse();
        e164.Should().BeEmpty();
        Normalizer().IsValid(input).Should().BeFalse();
    }

    [Fact]
    public void A_landline_that_cannot_receive_an_sms_is_rejected()
    {
        Normalizer().TryNormalize("+420 222 000 000", out _).Should().BeFalse();
    }
}
