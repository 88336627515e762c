using DicomGateway.AddressBook;
using DicomGateway.Audit;
using DicomGateway.Routing;
using Gateway.Tests.Routing;
using static Gateway.Tests.Support.Headers;

namespace Gateway.Tests.AddressBook;

public sealed class ContactStoreTests : IDisposable
{
    private readonly RoutingFixture _f = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public void Dispose() => _f.Dispose();

    private ContactStore Store => _f.Contacts;

    private static Contact Novak() => new()
    {
        Name = " MUDr. Petr Novák ",
        Email = "novak@example.org",
        Phone = "603 000 001",
        Language = "cs",
        Organisation = "Kardiologie Brno",
        DicomNames = ["Novak^Petr", " Novák^Petr^^MUDr. ", ""],
        Notes = "Prefers SMS",
    };

    [Fact]
    public async Task A_contact_is_stored_trimmed_with_its_phone_in_E164()
    {
        var id = await Store.AddAsync(Novak(), RoutingFixture.Admin, None);

        var stored = await Store.GetAsync(id, None);

        stored.Should().BeEquivalentTo(new Contact
        {
            Id = id,
            Name = "MUDr. Petr Novák",
            Email = "novak@example.org",
            Phone = "+420603000001",
            Language = "cs",
            Organisation = "Kardiologie Brno",
            DicomNames = ["Novak^Petr", "Novák^Petr^^MUDr."],
            Notes = "Prefers SMS",
        }, o => o.ComparingRecordsByMembers());
        (await Store.ListAsync(None)).Should().ContainSingle();
    }

    [Fact]
    public async Task Contacts_are_listed_by_name_and_update_and_delete_work()
    {
        var b = await Store.AddAsync(new Contact { Name = "Svobodová", Email = "s@example.org" }, RoutingFixture.Admin, None);
        var a = await Store.AddAsync(new Contact { Name = "adámek", Email = "a@example.org" }, RoutingFixture.Admin, None);

        (await Store.ListAsync(None)).Select(c => c.Id).Should().Equal(a, b);
        (await Store.UpdateAsync(new Contact { Id = b, Name = "Svobodová", Phone = "+48 512 345 678" }, RoutingFixture.Admin, None)).Should().BeTrue();
        (await Store.GetAsync(b, None))!.Should().BeEquivalentTo(new { Email = (string?)null, Phone = "+48512345678" });
        (await Store.UpdateAsync(new Contact { Id = 999, Name = "x", Email = "x@example.org" }, RoutingFixture.Admin, None)).Should().BeFalse();
        (await Store.DeleteAsync(a, RoutingFixture.Admin, None)).Should().BeTrue();
        (await Store.DeleteAsync(a, RoutingFixture.Admin, None)).Should().BeFalse();
        (await Store.ListAsync(None)).Select(c => c.Id).Should().Equal(b);
    }

    [Fact]
    public async Task An_invalid_contact_is_refused_naming_every_field()
    {
        var contact = new Contact { Name = "", Email = "not an address", Phone = "12", Language = "de", DicomNames = ["ok^name", "a\\b"] };

        var act = () => Store.AddAsync(contact, RoutingFixture.Admin, None);

        (await act.Should().ThrowAsync<ContactValidationException>()).Which.Errors.Select(e => e.Field)
            .Should().Equal("name", "email", "phone", "language", "dicomNames[1]");
        (await Store.ListAsync(None)).Should().BeEmpty();
    }

    [Fact]
    public void A_contact_needs_an_email_address_or_a_phone_number()
    {
        Store.Validate(new Contact { Name = "Nobody" }).Should().ContainSingle().Which.Field.Should().Be("email");
        Store.Validate(new Contact { Name = "Phone only", Phone = "+420603000001" }).Should().BeEmpty();
    }

    [Theory]
    [InlineData("Novak^Petr")]
    [InlineData("NOVAK^PETR^^^")]
    [InlineData(" novak ^ petr ")]
    [InlineData("NOVÁK^PETR^^MUDR.")]
    [InlineData("Novak^Petr=ノヴァク^ペトル")]
    public async Task Lookup_finds_a_contact_by_any_of_its_DICOM_names_as_a_person_name(string name)
    {
        var id = await Store.AddAsync(Novak(), RoutingFixture.Admin, None);

        (await Store.LookupAsync(name, None)).Select(c => c.Id).Should().Equal(id);
    }

    [Theory]
    [InlineData("Novak")]
    [InlineData("Novak^Pavel")]
    [InlineData("")]
    public async Task Lookup_does_not_find_a_different_name(string name)
    {
        await Store.AddAsync(Novak(), RoutingFixture.Admin, None);

        (await Store.LookupAsync(name, None)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_contact_named_by_a_rule_cannot_be_deleted_and_the_error_names_the_rules()
    {
        var id = await Store.AddAsync(Novak(), RoutingFixture.Admin, None);
        var ruleId = await _f.Rules.AddAsync(new RoutingRule { Name = "Cardiology", Actions = [new ShipAction { Recipients = [new ShipRecipient { ContactId = id }] }] },
            RoutingFixture.Admin, None);
        await _f.Rules.AddAsync(new RoutingRule { Name = "Lookup only", Actions = [new ShipAction { LookupAttribute = "ReferringPhysicianName" }] }, RoutingFixture.Admin, None);

        var act = () => Store.DeleteAsync(id, RoutingFixture.Admin, None);

        var thrown = (await act.Should().ThrowAsync<ContactInUseException>()).Which;
        thrown.Rules.Should().Equal((ruleId, "Cardiology"));
        thrown.Message.Should().Contain("\"Cardiology\"");
        (await Store.GetAsync(id, None)).Should().NotBeNull();

        await _f.Rules.DeleteAsync(ruleId, RoutingFixture.Admin, None);
        (await Store.DeleteAsync(id, RoutingFixture.Admin, None)).Should().BeTrue();
    }

    [Fact]
    public async Task Routing_sees_contact_changes_at_once()
    {
        var id = await Store.AddAsync(new Contact { Name = "Dr. Novák", Email = "old@example.org", DicomNames = ["NOVAK^PETR"] }, RoutingFixture.Admin, None);
        await _f.Rules.AddAsync(new RoutingRule { Name = "by referring physician", Actions = [new ShipAction { LookupAttribute = "ReferringPhysicianName" }] },
            RoutingFixture.Admin, None);
        (await _f.Rules.EvaluateAsync(Input(), None)).Ships.Single().Recipients.Single().Email.Should().Be("old@example.org");

        await Store.UpdateAsync(new Contact { Id = id, Name = "Dr. Novák", Email = "new@example.org", Language = "pl", DicomNames = ["NOVAK^PETR"] }, RoutingFixture.Admin, None);

        (await _f.Rules.EvaluateAsync(Input(), None)).Ships.Single().Recipients.Single().Should().Be(new PlannedRecipient("new@example.org", null, "pl", id));
    }

    [Fact]
    public async Task Writes_are_audited_without_addresses()
    {
        var id = await Store.AddAsync(Novak(), RoutingFixture.Admin, None);
        await Store.UpdateAsync(Novak() with { Id = id, Phone = "+420603000002" }, RoutingFixture.Admin, None);
        await Store.DeleteAsync(id, RoutingFixture.Admin, None);

        var records = (await _f.AuditRecordsAsync()).Reverse().ToList();

        records.Select(r => r.Action).Should().Equal(AuditAction.Create, AuditAction.Update, AuditAction.Delete);
        records.Should().OnlyContain(r => r.Actor == RoutingFixture.Admin && r.EventType == AuditEventTypes.SecurityConfiguration);
        records[1].Detail.Should().Contain("\"changed\":[\"phone\"]");
        records.Should().OnlyContain(r => !r.Detail!.Contains("60300000", StringComparison.Ordinal) && !r.Detail.Contains("novak@", StringComparison.Ordinal));
    }
}
