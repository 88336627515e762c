using DicomKit.Data;

namespace DicomKit.Tests.Data;

public class PersonNameTests
{
    [Fact]
    public void Three_component_groups_are_parsed_into_five_components_each()
    {
        var name = DicomPersonName.Parse("Yamada^Tarou=山田^太郎=やまだ^たろう");
        name.FamilyName.Should().Be("Yamada");
        name.GivenName.Should().Be("Tarou");
        name.Ideographic.Should().Be(new PersonNameGroup("山田", "太郎"));
        name.Phonetic.FamilyName.Should().Be("やまだ");
        name.Phonetic.GivenName.Should().Be("たろう");
        name.ToString().Should().Be("Yamada^Tarou=山田^太郎=やまだ^たろう");
    }

    [Fact]
    public void All_five_components_are_read_in_order()
    {
        var name = DicomPersonName.Parse("Adams^John Robert Quincy^^Rev.^B.A. M.Div.");
        name.FamilyName.Should().Be("Adams");
        name.GivenName.Should().Be("John Robert Quincy");
        name.MiddleName.Should().BeEmpty();
        name.NamePrefix.Should().Be("Rev.");
        name.NameSuffix.Should().Be("B.A. M.Div.");
        name.ToString().Should().Be("Adams^John Robert Quincy^^Rev.^B.A. M.Div.");
    }

    [Fact]
    public void Trailing_empty_components_groups_and_padding_are_dropped()
    {
        DicomPersonName.Parse("Zhang^XiaoDong=张^小东= ").ToString().Should().Be("Zhang^XiaoDong=张^小东");
        DicomPersonName.Parse("Doe^John^^^").ToString().Should().Be("Doe^John");
        new DicomPersonName("Doe", "John").ToString().Should().Be("Doe^John");
        new DicomPersonName("Doe", nameSuffix: "Jr").ToString().Should().Be("Doe^^^^Jr");
    }

    [Fact]
    public void An_empty_alphabetic_group_keeps_its_delimiter()
    {
        var name = new DicomPersonName(PersonNameGroup.Empty, new PersonNameGroup("洪", "吉洞"));
        name.ToString().Should().Be("=洪^吉洞");
        DicomPersonName.Parse("=洪^吉洞").Should().Be(name);
    }

    [Fact]
    public void Extra_components_are_kept_in_the_suffix_rather_than_lost()
    {
        DicomPersonName.Parse("A^B^C^D^E^F").NameSuffix.Should().Be("E^F");
    }
}
