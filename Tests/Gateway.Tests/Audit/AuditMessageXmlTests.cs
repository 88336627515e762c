using System.Text;
using System.Xml.Linq;
using DicomGateway.Audit;
using Gateway.Tests.Support;

namespace Gateway.Tests.Audit;

public sealed class AuditMessageXmlTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 1, 8, 0, 0, 123, TimeSpan.Zero);

    private static AuditRecord Record(string eventId, AuditActorKind kind, string? eventType = null, AuditOutcome outcome = AuditOutcome.Success,
        long? study = null, long? shipment = null, byte[]? patient = null, string? detail = null, string? address = null, string actor = "actor") => new()
    {
        Id = 7,
        OccurredAt = At,
        EventId = eventId,
        EventType = eventType,
        Action = AuditAction.Read,
        Outcome = outcome,
        ActorKind = kind,
        Actor = actor,
        ActorAddress = address,
        StudyId = study,
        ShipmentId = shipment,
        PatientRef = patient,
        Detail = detail,
    };

    [Fact]
    public async Task Every_kind_of_event_the_gateway_records_gives_a_schema_valid_message()
    {
        var records = new List<AuditRecord>
        {
            Record(AuditEventIds.ApplicationActivity, AuditActorKind.Gateway, AuditEventTypes.ApplicationStart),
            Record(AuditEventIds.InstancesTransferred, AuditActorKind.Node, study: 3, patient: [1, 2, 3], address: "127.0.0.1", actor: "MODALITY"),
            Record(AuditEventIds.InstancesTransferred, AuditActorKind.Recipient, shipment: 5, study: 3, patient: [9, 8], detail: """{"instances":3}""", address: "::1"),
            Record(AuditEventIds.Export, AuditActorKind.Gateway, shipment: 5, detail: """{"recipients":2}"""),
            Record(AuditEventIds.StudyDeleted, AuditActorKind.Administrator, study: 3, address: "admin.example.org", actor: "alice"),
            Record(AuditEventIds.SecurityAlert, AuditActorKind.Recipient, AuditEventTypes.UseOfRestrictedFunction, AuditOutcome.MinorFailure, shipment: 5),
            Record(AuditEventIds.UserAuthentication, AuditActorKind.Administrator, AuditEventTypes.Login, AuditOutcome.SeriousFailure, actor: "bob"),
            Record(AuditEventIds.Query, AuditActorKind.Administrator, outcome: AuditOutcome.MajorFailure, detail: "{}"),
            Record("110199", AuditActorKind.Node, "999999", actor: "unknown codes"),
        };
        var messages = records.Select(r => Encoding.UTF8.GetString(AuditMessageXml.Write(r, "gateway.example.org"))).ToList();

        (await AuditSchema.ProblemsAsync(messages)).Should().BeNull();
    }

    [Fact]
    public void The_message_carries_the_rows_codes_time_actor_and_objects()
    {
        var record = Record(AuditEventIds.InstancesTransferred, AuditActorKind.Recipient, shipment: 5, study: 3, patient: [0xAB, 0x01],
            detail: """{"instances":3}""", address: "198.51.100.7", actor: "12");

        var xml = XDocument.Parse(Encoding.UTF8.GetString(AuditMessageXml.Write(record, "gw")));

        var e = xml.Root!.Element("EventIdentification")!;
        e.Attribute("EventActionCode")!.Value.Should().Be("R");
        e.Attribute("EventDateTime")!.Value.Should().Be("2025-03-01T08:00:00.123Z");
        e.Attribute("EventOutcomeIndicator")!.Value.Should().Be("0");
        e.Element("EventID")!.Attribute("csd-code")!.Value.Should().Be("110104");
        e.Element("EventID")!.Attribute("originalText")!.Value.Should().Be("DICOM Instances Transferred");
        var actor = xml.Root.Elements("ActiveParticipant").First();
        actor.Attribute("UserID")!.Value.Should().Be("12");
        actor.Attribute("NetworkAccessPointID")!.Value.Should().Be("198.51.100.7");
        actor.Attribute("NetworkAccessPointTypeCode")!.Value.Should().Be("2");
        actor.Element("RoleIDCode")!.Attribute("csd-code")!.Value.Should().Be("110152", "the recipient is the destination of a download");
        var objects = xml.Root.Elements("ParticipantObjectIdentification").ToList();
        objects.Select(o => o.Attribute("ParticipantObjectID")!.Value).Should().Equal("ab01", "3", "5");
        objects[0].Attribute("ParticipantObjectTypeCodeRole")!.Value.Should().Be("1", "the first object is the patient, as its keyed hash");
        var detail = objects[0].Element("ParticipantObjectDetail")!.Attribute("value")!.Value;
        Encoding.UTF8.GetString(Convert.FromBase64String(detail)).Should().Be("""{"instances":3}""");
        objects.Skip(1).Should().OnlyContain(o => o.Element("ParticipantObjectDetail") == null, "the detail travels once");
    }

    [Fact]
    public async Task Characters_xml_cannot_carry_are_dropped_from_an_actor_typed_by_hand()
    {
        var record = Record(AuditEventIds.UserAuthentication, AuditActorKind.Administrator, AuditEventTypes.Login, AuditOutcome.MinorFailure,
            actor: "ev\u0001il\u0000<name>&", address: "host\u0007");

        var text = Encoding.UTF8.GetString(AuditMessageXml.Write(record, "gw"));

        XDocument.Parse(text).Root!.Element("ActiveParticipant")!.Attribute("UserID")!.Value.Should().Be("evil<name>&");
        (await AuditSchema.ProblemsAsync([text])).Should().BeNull();
    }

    [Fact]
    public async Task The_validator_refuses_a_message_that_breaks_the_schema()
    {
        const string NoAuditSource = """<AuditMessage><EventIdentification EventDateTime="2025-03-01T08:00:00Z" EventOutcomeIndicator="0"><EventID csd-code="110100" codeSystemName="DCM" originalText="Application Activity"/></EventIdentification><ActiveParticipant UserID="x" UserIsRequestor="true"/></AuditMessage>""";

        (await AuditSchema.ProblemsAsync([NoAuditSource])).Should().NotBeNull("a test that cannot fail would prove nothing");
    }

    [Fact]
    public void A_record_or_source_that_is_missing_is_refused()
    {
        var write = () => AuditMessageXml.Write(null!, "gw");
        write.Should().Throw<ArgumentNullException>();
        var noSource = () => AuditMessageXml.Write(Record(AuditEventIds.Query, AuditActorKind.Gateway), " ");
        noSource.Should().Throw<ArgumentException>();
    }
}
