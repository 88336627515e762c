using Dapper;
using DicomGateway.Administration;
using DicomGateway.Audit;
using DicomGateway.Shipments;
using DicomGateway.Studies;
using Gateway.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Audit;

public sealed class AuditTrailTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Patient = [1, 2, 3, 4];
    private static readonly byte[] OtherPatient = [9, 9, 9, 9];

    private readonly TestDatabase _db = new();
    private readonly ManualClock _clock = new(Start);
    private readonly AuditTrail _trail;

    public AuditTrailTests() => _trail = new AuditTrail(_db.Database, _clock);

    public void Dispose() => _db.Dispose();

    private static AuditEvent Download(long shipmentId, long recipientId, byte[]? patient = null) => new()
    {
        EventId = AuditEventIds.InstancesTransferred,
        Action = AuditAction.Read,
        ActorKind = AuditActorKind.Recipient,
        Actor = recipientId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ActorAddress = "198.51.100.7",
        ShipmentId = shipmentId,
        RecipientId = recipientId,
        PatientRef = patient,
        Detail = new { Instances = 120, Bytes = 63_000_000 },
    };

    private static AuditEvent Login(string user, AuditOutcome outcome = AuditOutcome.Success) => new()
    {
        EventId = AuditEventIds.UserAuthentication,
        EventType = AuditEventTypes.Login,
        Action = AuditAction.Execute,
        Outcome = outcome,
        ActorKind = AuditActorKind.Administrator,
        Actor = user,
        ActorAddress = "10.0.0.9",
    };

    private Task<IReadOnlyList<AuditRecord>> Query(AuditQuery query) => _trail.QueryAsync(query, CancellationToken.None);

    [Fact]
    public async Task A_recorded_event_reads_back_with_the_clock_time_and_its_detail_as_JSON()
    {
        await _trail.RecordAsync(Download(shipmentId: 5, recipientId: 7, Patient), CancellationToken.None);

        var record = (await Query(new AuditQuery())).Single();

        record.Should().BeEquivalentTo(new
        {
            OccurredAt = Start,
            EventId = "110104",
            EventType = (string?)null,
            Action = AuditAction.Read,
            Outcome = AuditOutcome.Success,
            ActorKind = AuditActorKind.Recipient,
            Actor = "7",
            ActorAddress = "198.51.100.7",
            StudyId = (long?)null,
            ShipmentId = 5L,
            RecipientId = 7L,
            PatientRef = Patient,
            Detail = """{"instances":120,"bytes":63000000}""",
        });
    }

    [Fact]
    public async Task The_stored_row_uses_the_standard_codes()
    {
        await _trail.RecordAsync(Login("admin", AuditOutcome.MinorFailure) with { OccurredAt = Start.AddMinutes(-5) }, CancellationToken.None);

        await using var connection = await _db.Database.OpenAsync();
        var row = await connection.QuerySingleAsync<(long OccurredAt, string EventId, string EventType, string Action, long Outcome, string ActorKind)>(
            "SELECT occurred_at, event_id, event_type, action, outcome, actor_kind FROM audit_events");

        row.Should().Be((Start.AddMinutes(-5).ToUnixTimeMilliseconds(), "110114", "110122", "E", 4L, "administrator"));
    }

    [Fact]
    public async Task Queries_filter_by_time_event_study_shipment_patient_and_actor()
    {
        await _trail.RecordAsync(Login("alice"), CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await _trail.RecordAsync(Download(1, 11, Patient), CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await _trail.RecordAsync(Download(2, 21, OtherPatient) with { StudyId = 42 }, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await _trail.RecordAsync(Login("bob"), CancellationToken.None);

        (await Query(new AuditQuery())).Select(r => r.Actor).Should().Equal("bob", "21", "11", "alice");
        (await Query(new AuditQuery { From = Start.AddMinutes(1), To = Start.AddMinutes(3) })).Select(r => r.Actor).Should().Equal("21", "11");
        (await Query(new AuditQuery { EventId = AuditEventIds.UserAuthentication })).Select(r => r.Actor).Should().Equal("bob", "alice");
        (await Query(new AuditQuery { StudyId = 42 })).Select(r => r.Actor).Should().Equal("21");
        (await Query(new AuditQuery { ShipmentId = 1 })).Select(r => r.Actor).Should().Equal("11");
        (await Query(new AuditQuery { PatientRef = Patient })).Select(r => r.Actor).Should().Equal("11");
        (await Query(new AuditQuery { Actor = "alice" })).Select(r => r.EventType).Should().Equal(AuditEventTypes.Login);
        (await Query(new AuditQuery { ActorKind = AuditActorKind.Recipient, EventId = AuditEventIds.InstancesTransferred, ShipmentId = 2 }))
            .Select(r => r.Actor).Should().Equal("21");
    }

    [Fact]
    public async Task Queries_page_through_the_newest_first()
    {
        for (var i = 0; i < 5; i++)
        {
            await _trail.RecordAsync(Login($"user{i}"), CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        (await Query(new AuditQuery { Limit = 2 })).Select(r => r.Actor).Should().Equal("user4", "user3");
        (await Query(new AuditQuery { Limit = 2, Offset = 2 })).Select(r => r.Actor).Should().Equal("user2", "user1");
        (await Query(new AuditQuery { Limit = 2, Offset = 4 })).Select(r => r.Actor).Should().Equal("user0");
        await FluentActions.Awaiting(() => Query(new AuditQuery { Limit = 0 })).Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task An_event_recorded_in_a_rolled_back_transaction_leaves_nothing()
    {
        await using (var connection = await _db.Database.OpenAsync())
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            await connection.ExecuteAsync("INSERT INTO settings (key, value) VALUES ('state', 'changed')", transaction: transaction);
            await _trail.RecordAsync(connection, transaction, Login("alice"), CancellationToken.None);
            await transaction.RollbackAsync();
        }

        (await Query(new AuditQuery())).Should().BeEmpty();
        await using var check = await _db.Database.OpenAsync();
        (await check.ExecuteScalarAsync<long>("SELECT count(*) FROM settings WHERE key = 'state'")).Should().Be(0);
    }

    [Fact]
    public async Task An_event_recorded_in_a_committed_transaction_commits_with_the_change()
    {
        await using (var connection = await _db.Database.OpenAsync())
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            await connection.ExecuteAsync("INSERT INTO settings (key, value) VALUES ('state', 'changed')", transaction: transaction);
            await _trail.RecordAsync(connection, transaction, Login("alice"), CancellationToken.None);
            await transaction.CommitAsync();
        }

        (await Query(new AuditQuery())).Select(r => r.Actor).Should().Equal("alice");
    }

    [Fact]
    public async Task A_detail_over_8_KiB_of_JSON_is_refused_and_nothing_is_recorded()
    {
        var fits = Login("alice") with { Detail = new { Text = new string('x', AuditTrail.MaxDetailBytes - 11) } }; // {"text":"…"} is 11 bytes more
        var over = Login("bob") with { Detail = new { Text = new string('x', AuditTrail.MaxDetailBytes - 10) } };

        await _trail.RecordAsync(fits, CancellationToken.None);
        var act = () => _trail.RecordAsync(over, CancellationToken.None);

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*8192*");
        (await Query(new AuditQuery())).Select(r => r.Actor).Should().Equal("alice");
    }

    [Fact]
    public async Task The_database_refuses_to_change_or_delete_an_audit_event()
    {
        await _trail.RecordAsync(Login("alice"), CancellationToken.None);
        await using var connection = await _db.Database.OpenAsync();

        var update = () => connection.ExecuteAsync("UPDATE audit_events SET actor = 'mallory'");
        var delete = () => connection.ExecuteAsync("DELETE FROM audit_events");

        await update.Should().ThrowAsync<SqliteException>().WithMessage("*append-only*");
        await delete.Should().ThrowAsync<SqliteException>().WithMessage("*append-only*");
        (await Query(new AuditQuery())).Select(r => r.Actor).Should().Equal("alice");
    }

    [Fact]
    public async Task Disclosures_of_a_patient_name_the_recipients_and_shipments()
    {
        var (study, shipment, recipients) = await SeedShipmentAsync("SHP-7Q2K", Patient, "dr.novak@example.org", "dr.kowalski@example.org");
        var (otherStudy, otherShipment, otherRecipients) = await SeedShipmentAsync("SHP-0000", OtherPatient, "someone@example.org");

        // Received from the modality: a transfer, but into the gateway, not a disclosure.
        await _trail.RecordAsync(new AuditEvent
        {
            EventId = AuditEventIds.InstancesTransferred, Action = AuditAction.Create, ActorKind = AuditActorKind.Node, Actor = "CT1", StudyId = study, PatientRef = Patient,
        }, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        // Exported: the shipment became available to its recipients (no patient ref on the event: found through the shipment's study).
        await _trail.RecordAsync(new AuditEvent
        {
            EventId = AuditEventIds.Export, Action = AuditAction.Read, ActorKind = AuditActorKind.Gateway, Actor = "gateway", StudyId = study, ShipmentId = shipment,
        }, CancellationToken.None);
        await _trail.RecordAsync(new AuditEvent
        {
            EventId = AuditEventIds.Export, Action = AuditAction.Read, ActorKind = AuditActorKind.Gateway, Actor = "gateway", StudyId = otherStudy, ShipmentId = otherShipment,
        }, CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(2));
        // One recipient downloaded it.
        await _trail.RecordAsync(Download(shipment, recipients[1], Patient), CancellationToken.None);
        await _trail.RecordAsync(Download(otherShipment, otherRecipients[0], OtherPatient), CancellationToken.None);
        // Not a disclosure at all.
        await _trail.RecordAsync(Login("alice"), CancellationToken.None);

        var disclosures = await Disclosures().OfPatientAsync(Patient, CancellationToken.None);

        disclosures.Select(d => (d.EventId, d.OccurredAt, d.ShipmentReference, d.RecipientEmail)).Should().Equal(
            ("110106", Start.AddMinutes(1), "SHP-7Q2K", "dr.novak@example.org"),
            ("110106", Start.AddMinutes(1), "SHP-7Q2K", "dr.kowalski@example.org"),
            ("110104", Start.AddMinutes(1).AddHours(2), "SHP-7Q2K", "dr.kowalski@example.org"));
        disclosures[2].Should().BeEquivalentTo(new { RecipientId = recipients[1], ActorKind = AuditActorKind.Recipient, ActorAddress = "198.51.100.7", Outcome = AuditOutcome.Success });
        (await Disclosures().OfPatientAsync([7, 7, 7], CancellationToken.None)).Should().BeEmpty();
    }

    private DisclosureReport Disclosures() =>
        new(_trail, new StudyStore(_db.Database, new TestSecretProtector()), new ShipmentLookup(_db.Database));

    private async Task<(long Study, long Shipment, long[] Recipients)> SeedShipmentAsync(string reference, byte[] patient, params string[] emails)
    {
        await using var connection = await _db.Database.OpenAsync();
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var study = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO studies (study_key, state, calling_ae, called_ae, patient_ref, first_received_at, last_received_at)
            VALUES (randomblob(16), 'sealed', 'CT1', 'KARDIO', @patient, @now, @now) RETURNING id
            """, new { patient, now });
        var shipment = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO shipments (reference, study_id, state, created_at, expires_at) VALUES (@reference, @study, 'active', @now, @now + 604800000) RETURNING id
            """, new { reference, study, now });
        var recipients = new List<long>();
        foreach (var email in emails)
        {
            recipients.Add(await connection.ExecuteScalarAsync<long>(
                "INSERT INTO recipients (shipment_id, email, language, token_hash) VALUES (@shipment, @email, 'cs', randomblob(32)) RETURNING id",
                new { shipment, email }));
        }
        return (study, shipment, [.. recipients]);
    }
}
