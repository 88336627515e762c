using DicomGateway.Routing;

namespace Gateway.Tests.AddressBook;

public sealed class PersonNamesTests
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
        PersonNames.AreEqual(a, b).Should().Be(equal);
        PersonNames.AreEqual(b, a).Should().Be(equal);
    }
}
