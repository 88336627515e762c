using DicomKit.Data;

namespace DicomKit.Tests.Data;

public sealed class PersonNameMatchTests
{
    [Theory]
    [InlineData("Novak^Jan", "NOVAK^JAN^^^", true)]
    [InlineData("Novak^Jan", " novak ^jan ", true)]
    [InlineData("Novák^Jan", "NOVÁK^JAN", true)]
    [InlineData("Novak^Jan", "Novak^Jana", false)]
    [InlineData("Novak^Jan", "Novak", false)]
    [InlineData("Novak^Jan^^MUDr.", "Novak^Jan", false)]
    [InlineData("Yamada^Tarou", "Yamada^Tarou=山田^太郎", true)]
    [InlineData("Yamada^Tarou=山田^太郎", "YAMADA^TAROU=山田^太郎=", true)]
    [InlineData("Yamada^Tarou=山田^太郎", "Yamada^Tarou=山田^花子", false)]
    public void Person_names_compare_component_by_component_ignoring_case_and_trailing_empties(string a, string b, bool equal)
    {
        DicomPersonName.Matches(a, b).Should().Be(equal);
        DicomPersonName.Matches(b, a).Should().Be(equal);
    }

    [Theory]
    [InlineData("Novak^Jan", "NOVAK^JAN^^^", true)]
    [InlineData("Yamada^Tarou", "Yamada^Tarou=山田^太郎", true)]
    [InlineData("Yamada^Tarou=山田^太郎", "Yamada^Tarou=山田^花子", false)]
    public void Parsed_names_match_as_their_values_do(string a, string b, bool equal)
    {
        DicomPersonName.Parse(a).Matches(DicomPersonName.Parse(b)).Should().Be(equal);
    }

    [Theory]
    [InlineData("novak ^jan^^", "NOVAK^JAN")]
    [InlineData("Yamada^Tarou=山田^太郎", "YAMADA^TAROU")]
    [InlineData("=山田^太郎", "")]
    [InlineData(" ^ ^ ", "")]
    [InlineData("", "")]
    public void The_match_key_is_the_normalised_alphabetic_group(string value, string key)
    {
        DicomPersonName.MatchKey(value).Should().Be(key);
    }

    [Fact]
    public void Names_that_match_on_their_alphabetic_group_share_a_match_key()
    {
        DicomPersonName.MatchKey("Novak^Jan").Should().Be(DicomPersonName.MatchKey(" NOVAK^jan^^^=ノヴァク^ヤン"));
    }

    [Fact]
    public void Components_beyond_the_fifth_are_compared_one_by_one_like_the_others()
    {
        DicomPersonName.Matches("a^b^c^d^e^f", "A^B^C^D^ e ^ F ^^").Should().BeTrue();
        DicomPersonName.Matches("a^b^c^d^e^f", "A^B^C^D^E^G").Should().BeFalse();
    }

    [Fact]
    public void A_normalised_group_has_its_components_trimmed_and_upper_cased()
    {
        new PersonNameGroup(" novák ", "jan ", "", "mudr.").Normalized().Should().Be(new PersonNameGroup("NOVÁK", "JAN", "", "MUDR."));
        PersonNameGroup.Parse(" ^ ").Normalized().IsEmpty.Should().BeTrue();
    }
}
