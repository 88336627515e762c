using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DicomGateway.Administration;
using DicomGateway.Crypto;
using DicomGateway.Ingest;
using DicomGateway.Studies;
using DicomGateway.Notifications;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Administration;

/// <summary>
/// A gateway with a known key and seeded shipments (written straight into its database): search, details, statistics,
/// extend, revoke, resend, the disclosure lookup and the read-only configuration.
/// </summary>
public sealed class ShipmentReportTests(ShipmentReportTests.Seeded fixture) : IClassFixture<ShipmentReportTests.Seeded>
{
    [Fact]
    public async Task Shipments_are_found_by_state_recipient_reference_and_date_newest_first_a_page_at_a_time()
    {
        var op = await fixture.Gateway.SignInAsRoleAsync(AdminRoles.Operator);
        async Task<(List<string> References, long Total)> Search(string query)
        {
            var body = await op.GetFromJsonAsync<JsonElement>(new Uri("/api/shipments?" + query, UriKind.Relative));
            return ([.. body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("reference").GetString()!)], body.GetProperty("total").GetInt64());
        }

        var all = await Search("from=2026-01-01&to=2026-03-01");
        all.References.Should().Equal("REF-D", "REF-C", "REF-B", "REF-A");
        all.Total.Should().Be(4);
        (await Search("from=2026-01-01&state=active")).References.Should().Equal("REF-B");
        (await Search("recipient=CARDIO-B")).References.Should().Equal("REF-B");
        (await Search("recipient=%2B420603")).References.Should().Equal("REF-B");
        (await Search("reference=REF-C")).References.Should().Equal("REF-C");
        (await Search("reference=%25")).Total.Should().Be(0, "% is a character to look for, not a wildcard");
        (await Search("from=2026-02-01T00:00:00Z&to=2026-03-01")).References.Should().Equal("REF-D", "REF-C");
        var page = await Search("from=2026-01-01&to=2026-03-01&page=2&pageSize=3");
        page.References.Should().Equal("REF-A");
        page.Total.Should().Be(4);
        using var invalid = await op.GetAsync(new Uri("/api/shipments?state=lost", UriKind.Relative));
        invalid.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_shipments_details_list_its_recipients_deliveries_and_audit_events()
    {
        var op = await fixture.Gateway.SignInAsRoleAsync(AdminRoles.Operator);
        var details = await op.GetFromJsonAsync<JsonElement>(new Uri($"/api/shipments/{fixture.ShipmentB}", UriKind.Relative));
        details.GetProperty("reference").GetString().Should().Be("REF-B");
        details.GetProperty("instanceCount").GetInt64().Should().Be(20);
        details.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("email").GetString()).Should().Contain("cardio-b@example.org");
        var opened = details.GetProperty("recipients").EnumerateArray().Single(r => r.GetProperty("email").GetString() == "cardio-b@example.org");
        opened.GetProperty("openCount").GetInt64().Should().Be(2);
        details.GetProperty("deliveries").EnumerateArray().Select(d => (d.GetProperty("channel").GetString(), d.GetProperty("state").GetString()))
            .Should().Contain(("email", "sent")).And.Contain(("sms", "sent"));
        details.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("eventId").GetString()).Should().Contain("110106");
        using var missing = await op.GetAsync(new Uri("/api/shipments/987654", UriKind.Relative));
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Statistics_count_shipments_instances_bytes_opened_and_expired_unopened_per_month_and_per_rule()
    {
        var op = await fixture.Gateway.SignInAsRoleAsync(AdminRoles.Operator);
        var stats = await op.GetFromJsonAsync<JsonElement>(new Uri("/api/statistics?from=2026-01&to=2026-02", UriKind.Relative));
        static string Row(JsonElement e, string key) =>
            $"{e.GetProperty(key)}: {e.GetProperty("shipments")} {e.GetProperty("instances")} {e.GetProperty("bytes")} {e.GetProperty("opened")} {e.GetProperty("expiredUnopened")}";
        stats.GetProperty("months").EnumerateArray().Select(m => Row(m, "month")).Should().Equal("2026-01: 2 30 3000 1 1", "2026-02: 2 12 1200 1 0");
        stats.GetProperty("rules").EnumerateArray().Select(r => Row(r, "ruleName")).Should().BeEquivalentTo("Cardiology: 2 30 3000 1 1", "Neuro: 2 12 1200 1 0");
        using var invalid = await op.GetAsync(new Uri("/api/statistics?from=January", UriKind.Relative));
        invalid.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Extending_adds_days_to_an_active_shipment_and_is_refused_for_an_ended_one()
    {
        var admin = await fixture.Gateway.AdminAsync();
        var before = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/shipments/{fixture.ShipmentB}", UriKind.Relative));
        using var extended = await admin.PostAsJsonAsync($"/api/shipments/{fixture.ShipmentB}/extend", new { days = 5 });
        extended.StatusCode.Should().Be(HttpStatusCode.OK);
        var expiresAt = (await extended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expiresAt").GetDateTimeOffset();
        expiresAt.Should().Be(before.GetProperty("expiresAt").GetDateTimeOffset().AddDays(5));

        using (var ended = await admin.PostAsJsonAsync($"/api/shipments/{fixture.ShipmentC}/extend", new { days = 5 })) ended.StatusCode.Should().Be(HttpStatusCode.Conflict);
        using (var tooMuch = await admin.PostAsJsonAsync($"/api/shipments/{fixture.ShipmentB}/extend", new { days = 366 })) tooMuch.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using (var missing = await admin.PostAsJsonAsync("/api/shipments/987654/extend", new { days = 1 })) missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var events = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/audit?shipmentId={fixture.ShipmentB}&actor=admin", UriKind.Relative));
        events.GetProperty("items").EnumerateArray().Should().Contain(e => e.GetProperty("detail").GetProperty("what").GetString() == "shipment expiry extended");
    }

    [Fact]
    public async Task Revoking_ends_an_active_shipment_once()
    {
        var admin = await fixture.Gateway.AdminAsync();
        using (var revoked = await admin.PostAsJsonAsync($"/api/shipments/{fixture.ShipmentE}/revoke", new { reason = "wrong patient" })) revoked.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using (var again = await admin.PostAsJsonAsync($"/api/shipments/{fixture.ShipmentE}/revoke", new { reason = "again" })) again.StatusCode.Should().Be(HttpStatusCode.Conflict);
        var details = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/shipments/{fixture.ShipmentE}", UriKind.Relative));
        details.GetProperty("state").GetString().Should().Be("revoked");
    }

    [Fact]
    public async Task An_operator_resends_the_SMS_code_within_the_hourly_limit_and_a_delivered_link_cannot_be_resent()
    {
        var op = await fixture.Gateway.SignInAsRoleAsync(AdminRoles.Operator);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var sms = await op.PostAsJsonAsync($"/api/shipments/{fixture.ShipmentB}/resend", new { recipientId = fixture.RecipientB, channel = "sms" });
            statuses.Add(sms.StatusCode);
        }
        statuses.Should().Equal(HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.TooManyRequests);

        using var delivered = await op.PostAsJsonAsync($"/api/shipments/{fixture.ShipmentB}/resend", new { recipientId = fixture.RecipientB, channel = "email" });
        delivered.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await delivered.Content.ReadAsStringAsync()).Should().Contain("does not keep");

        using var queued = await op.PostAsJsonAsync($"/api/shipments/{fixture.ShipmentB}/resend", new { recipientId = fixture.RecipientB2, channel = "email" });
        queued.StatusCode.Should().Be(HttpStatusCode.NoContent, "an e-mail still waiting for its next attempt is tried now");
        var state = await Eventually.PollAsync(
            () => fixture.ScalarAsync<string>($"SELECT state FROM deliveries WHERE recipient_id = {fixture.RecipientB2} AND channel = 'email'"),
            s => s == "sent", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        state.Should().Be("sent", "the dispatcher sent it at once rather than at its scheduled retry next year");

        using var wrongShipment = await op.PostAsJsonAsync($"/api/shipments/{fixture.ShipmentC}/resend", new { recipientId = fixture.RecipientB, channel = "sms" });
        wrongShipment.StatusCode.Should().Be(HttpStatusCode.NotFound, "the recipient belongs to another shipment");
    }

    [Fact]
    public async Task The_disclosure_lookup_finds_every_recipient_of_the_patients_data_and_is_audited_without_the_patient_ID()
    {
        var auditor = await fixture.Gateway.SignInAsRoleAsync(AdminRoles.Auditor);
        using var response = await auditor.PostAsJsonAsync("/api/audit/disclosures", new { patientId = " PAT-1 " });
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var rows = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("recipient").GetString()).Should().Contain(["cardio-a@example.org", "cardio-b@example.org"]).And.NotContain("neuro-c@example.org");
        rows.Select(r => r.GetProperty("shipmentReference").GetString()).Should().OnlyContain(r => r == "REF-A" || r == "REF-B");
        rows.First().GetProperty("eventName").GetString().Should().Be("Export");

        var lookups = await fixture.ScalarAsync<long>("SELECT COUNT(*) FROM audit_events WHERE event_id = '110112' AND patient_ref = $ref", fixture.PatientRef("PAT-1"));
        lookups.Should().BeGreaterThanOrEqualTo(1);
        var anyClear = await fixture.ScalarAsync<long>("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%PAT-1%' OR actor LIKE '%PAT-1%'");
        anyClear.Should().Be(0, "the patient ID is never written in clear");
        using var none = await auditor.PostAsJsonAsync("/api/audit/disclosures", new { patientId = "" });
        none.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_configuration_is_shown_with_every_secret_masked()
    {
        var op = await fixture.Gateway.SignInAsRoleAsync(AdminRoles.Operator);
        using var response = await op.GetAsync(new Uri("/api/configuration", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        foreach (var secret in Seeded.Secrets) text.Should().NotContain(secret);
        text.Should().NotContain(fixture.GatewayKey);
        var config = JsonDocument.Parse(text).RootElement;
        config.GetProperty("mail").GetProperty("password").GetString().Should().Be("***");
        config.GetProperty("sms").GetProperty("webhook").GetProperty("headers").GetProperty("X-Api-Key").GetString().Should().Be("***");
        config.GetProperty("sms").GetProperty("webhook").GetProperty("url").GetString().Should().Be("https://sms.example.org/send?***");
        config.GetProperty("shipments").GetProperty("gatewayKey").GetString().Should().Be("***");
        config.GetProperty("administration").GetProperty("oidc").GetProperty("clientSecret").GetString().Should().Be("***");
        config.GetProperty("administration").GetProperty("initialAdminPassword").GetString().Should().Be("***");
        config.GetProperty("dicom").GetProperty("aeTitle").GetString().Should().Be("DICOMGATEWAY", "what is not secret is shown as it is");
        config.GetProperty("routing").GetProperty("defaultExpiryDays").GetString().Should().Be("7", "the expiry default is configuration");
        config.GetProperty("routing").TryGetProperty("rules", out _).Should().BeFalse("rules have their own pages");
        config.GetProperty("forwarding").GetProperty("maxAttempts").GetString().Should().Be("20");

        var providers = await fixture.Gateway.Anonymous().GetFromJsonAsync<JsonElement>(new Uri("/api/auth/providers", UriKind.Relative));
        providers.GetProperty("oidc").GetBoolean().Should().BeTrue();
        providers.GetProperty("oidcName").GetString().Should().Be("Hospital sign-in");
    }

    /// <summary>The gateway with the seeded shipments. Months are 2026-01 (A, B: rule Cardiology) and 2026-02 (C, D: rule Neuro); E is from 2025.</summary>
    public sealed class Seeded : IAsyncLifetime
    {
        public static readonly string[] Secrets = ["mail-secret-1", "header-secret-2", "url-secret-3", "oidc-secret-4"];

        private AdminGateway? _gateway;
        private GatewayKeyring? _keyring;

        public AdminGateway Gateway => _gateway!;
        public string GatewayKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        public long ShipmentB { get; private set; }
        public long ShipmentC { get; private set; }
        public long ShipmentE { get; private set; }
        public long RecipientB { get; private set; }
        public long RecipientB2 { get; private set; }

        public byte[] PatientRef(string patientId) => _keyring!.KeyedHash(CryptoPurposes.Hash.PatientId, patientId);

        public async Task InitializeAsync()
        {
            _keyring = new GatewayKeyring(Convert.FromBase64String(GatewayKey));
            _gateway = await AdminGateway.StartAsync(new Dictionary<string, string>
            {
                ["Shipments__GatewayKey"] = GatewayKey,
                ["Shipments__SweepInterval"] = "01:00:00",
                ["Mail__UserName"] = "gateway@example.org",
                ["Mail__Password"] = Secrets[0],
                ["Sms__Webhook__Headers__X-Api-Key"] = Secrets[1],
                ["Sms__Webhook__Url"] = "https://sms.example.org/send?token=" + Secrets[2],
                ["Administration__Oidc__Authority"] = "https://idp.example.org/realms/hospital",
                ["Administration__Oidc__ClientId"] = "dicom-gateway",
                ["Administration__Oidc__ClientSecret"] = Secrets[3],
                ["Administration__Oidc__DisplayName"] = "Hospital sign-in",
                ["Administration__Oidc__Roles__administrator__0"] = "pacs-admins",
            });
            await using var db = await OpenAsync();
            var a = await ShipmentAsync(db, "REF-A", "PAT-1", 10, 1000, 1, "Cardiology", "expired", new(2026, 1, 15, 9, 0, 0, TimeSpan.Zero), days: 7, ended: true);
            ShipmentB = await ShipmentAsync(db, "REF-B", "PAT-1", 20, 2000, 1, "Cardiology", "active", new(2026, 1, 20, 9, 0, 0, TimeSpan.Zero), days: 500, ended: false);
            ShipmentC = await ShipmentAsync(db, "REF-C", "PAT-2", 5, 500, 2, "Neuro", "revoked", new(2026, 2, 3, 9, 0, 0, TimeSpan.Zero), days: 7, ended: true, revoked: true);
            var d = await ShipmentAsync(db, "REF-D", "PAT-2", 7, 700, 2, "Neuro", "expired", new(2026, 2, 5, 9, 0, 0, TimeSpan.Zero), days: 7, ended: true);
            ShipmentE = await ShipmentAsync(db, "REF-E", "PAT-3", 1, 100, null, null, "active", new(2025, 12, 1, 9, 0, 0, TimeSpan.Zero), days: 600, ended: false);

            var recipientA = await RecipientAsync(db, a, "cardio-a@example.org", null, opened: null);
            RecipientB = await RecipientAsync(db, ShipmentB, "cardio-b@example.org", "+420603123456", opened: new DateTimeOffset(2026, 1, 21, 8, 0, 0, TimeSpan.Zero));
            RecipientB2 = await RecipientAsync(db, ShipmentB, "second-b@example.org", null, opened: null);
            await RecipientAsync(db, ShipmentC, "neuro-c@example.org", null, opened: null);
            await RecipientAsync(db, d, "neuro-d@example.org", null, opened: new DateTimeOffset(2026, 2, 6, 8, 0, 0, TimeSpan.Zero));

            await DeliveryAsync(db, ShipmentB, RecipientB, "email", "sent", null);
            await DeliveryAsync(db, ShipmentB, RecipientB, "sms", "sent", null);
            var payload = new DeliveryPayload { To = "second-b@example.org", Language = "en", Reference = "REF-B", Link = "http://127.0.0.1/s/token#key", ExpiresAt = DateTimeOffset.UtcNow.AddDays(3) };
            await DeliveryAsync(db, ShipmentB, RecipientB2, "email", "queued", _keyring.Protect(CryptoPurposes.Protect.Notification, payload.ToJson()));

            await ExportEventAsync(db, a, recipientA);
            await ExportEventAsync(db, ShipmentB, null);
        }

        public async Task<T> ScalarAsync<T>(string sql, byte[]? reference = null)
        {
            await using var db = await OpenAsync();
            await using var command = db.CreateCommand();
            command.CommandText = sql;
            if (reference is not null) command.Parameters.AddWithValue("$ref", reference);
            return (T)(await command.ExecuteScalarAsync())!;
        }

        private async Task<SqliteConnection> OpenAsync()
        {
            var db = new SqliteConnection($"Data Source={Gateway.Process.DatabasePath};Pooling=False");
            await db.OpenAsync();
            return db;
        }

        private async Task<long> ShipmentAsync(SqliteConnection db, string reference, string patientId, long instances, long bytes, long? ruleId, string? ruleName, string state,
            DateTimeOffset created, int days, bool ended, bool revoked = false)
        {
            var expires = created.AddDays(days);
            var studyId = await InsertAsync(db, """
                INSERT INTO studies (study_key, generation, state, calling_ae, called_ae, patient_ref, instance_count, total_bytes, first_received_at, last_received_at, sealed_at)
                VALUES ($key, 0, 'sealed', 'CT1', 'DICOMGATEWAY', $patient, $instances, $bytes, $at, $at, $at) RETURNING id
                """, ("$key", RandomNumberGenerator.GetBytes(32)), ("$patient", PatientRef(patientId)), ("$instances", instances), ("$bytes", bytes), ("$at", created.ToUnixTimeMilliseconds()));
            var endedAt = ended ? (revoked ? created.AddDays(1) : expires).ToUnixTimeMilliseconds() : (object)DBNull.Value;
            return await InsertAsync(db, """
                INSERT INTO shipments (reference, study_id, rule_id, rule_name, state, created_at, expires_at, revoked_at, ended_at)
                VALUES ($reference, $study, $rule, $ruleName, $state, $created, $expires, $revoked, $ended) RETURNING id
                """, ("$reference", reference), ("$study", studyId), ("$rule", (object?)ruleId ?? DBNull.Value), ("$ruleName", (object?)ruleName ?? DBNull.Value), ("$state", state),
                ("$created", created.ToUnixTimeMilliseconds()), ("$expires", expires.ToUnixTimeMilliseconds()), ("$revoked", revoked ? endedAt : DBNull.Value), ("$ended", endedAt));
        }

        private async Task<long> RecipientAsync(SqliteConnection db, long shipmentId, string email, string? phone, DateTimeOffset? opened) =>
            await InsertAsync(db, """
                INSERT INTO recipients (shipment_id, email, phone, language, token_hash, code, first_opened_at, open_count)
                VALUES ($shipment, $email, $phone, 'en', $token, $code, $opened, $count) RETURNING id
                """, ("$shipment", shipmentId), ("$email", email), ("$phone", (object?)phone ?? DBNull.Value), ("$token", RandomNumberGenerator.GetBytes(32)),
                ("$code", _keyring!.Protect(CryptoPurposes.Protect.SmsCode, Encoding.UTF8.GetBytes("123456"))),
                ("$opened", (object?)opened?.ToUnixTimeMilliseconds() ?? DBNull.Value), ("$count", opened is null ? 0 : 2));

        private static async Task DeliveryAsync(SqliteConnection db, long shipmentId, long recipientId, string channel, string state, byte[]? payload)
        {
            var created = new DateTimeOffset(2026, 1, 20, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
            await InsertAsync(db, """
                INSERT INTO deliveries (shipment_id, recipient_id, channel, kind, state, attempts, next_attempt_at, created_at, sent_at, payload)
                VALUES ($shipment, $recipient, $channel, 'shipment', $state, 1, $next, $created, $sent, $payload) RETURNING id
                """, ("$shipment", shipmentId), ("$recipient", recipientId), ("$channel", channel), ("$state", state),
                ("$next", state == "queued" ? DateTimeOffset.UtcNow.AddYears(1).ToUnixTimeMilliseconds() : created), ("$created", created),
                ("$sent", state == "sent" ? created : DBNull.Value), ("$payload", (object?)payload ?? DBNull.Value));
        }

        private static async Task ExportEventAsync(SqliteConnection db, long shipmentId, long? recipientId) =>
            await InsertAsync(db, """
                INSERT INTO audit_events (occurred_at, event_id, action, outcome, actor_kind, actor, study_id, shipment_id, recipient_id, detail)
                SELECT created_at, '110106', 'C', 0, 'gateway', 'gateway', study_id, id, $recipient, '{"what":"shipment made available"}' FROM shipments WHERE id = $shipment
                RETURNING id
                """, ("$shipment", shipmentId), ("$recipient", (object?)recipientId ?? DBNull.Value));

        private static async Task<long> InsertAsync(SqliteConnection db, string sql, params (string Name, object Value)[] parameters)
        {
            await using var command = db.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        public async Task DisposeAsync()
        {
            _keyring?.Dispose();
            if (_gateway is not null) await _gateway.DisposeAsync();
        }
    }
}
