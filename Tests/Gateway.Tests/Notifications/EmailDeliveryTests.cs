using MimeKit;

namespace Gateway.Tests.Notifications;

/// <summary>Shipment e-mails against a real SMTP server in the test process.</summary>
public sealed class EmailDeliveryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private NotificationHarness Harness(int port, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["Mail:Host"] = "127.0.0.1", ["Mail:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var (key, value) in extra) settings[key] = value;
        return new NotificationHarness(_dir.Path, settings);
    }

    [Fact]
    public async Task A_queued_shipment_notice_arrives_as_a_text_and_html_email_with_the_link_and_without_the_code()
    {
        var port = LoopbackPort.Free();
        await using var smtp = await TestSmtpServer.StartAsync(port);
        await using var harness = Harness(port);
        var (shipment, recipient) = await harness.SeedShipmentAsync("K7M2-9QXD", Notices.Code);
        await harness.StartAsync();

        await harness.EnqueueAsync(Notices.For(shipment, recipient, phone: null));

        await Eventually.WaitAsync(() => !smtp.Messages.IsEmpty, "the e-mail arrives");
        var message = smtp.Messages.Single();
        message.To.Mailboxes.Single().Address.Should().Be("doctor@clinic.test");
        message.From.Mailboxes.Single().Address.Should().Be("gateway@hospital.test");
        message.Subject.Should().Contain("K7M2-9QXD");
        message.Body.Should().BeOfType<MultipartAlternative>();
        message.TextBody.Should().Contain(Notices.Link).And.Contain("K7M2-9QXD").And.Contain("12,3 MB").And.Contain("MUDr. Jana Nováková, Fakultní nemocnice Test");
        message.HtmlBody.Should().Contain($"href=\"{Notices.Link}\"").And.Contain("K7M2-9QXD");
        foreach (var body in new[] { message.TextBody, message.HtmlBody, message.Subject })
            body.Should().NotContain(Notices.Code).And.NotContain("ABCD-EFGH");

        await Eventually.WaitAsync(async () => (await harness.DeliveriesAsync()).Single().State == "sent", "the row is marked sent");
        var row = (await harness.DeliveriesAsync()).Single();
        row.PayloadErased.Should().BeTrue();
        row.SentAt.Should().NotBeNull();
        var audit = (await harness.AuditAsync()).Single();
        (audit.EventId, audit.Action, audit.Outcome, audit.ActorKind, audit.ShipmentId, audit.RecipientId).Should().Be(("110106", "R", 0L, "gateway", shipment, recipient));
        audit.StudyId.Should().NotBeNull();
        audit.Detail.Should().Contain("\"channel\":\"email\"").And.Contain("doctor@clinic.test").And.NotContain(Notices.Token);
    }

    [Fact]
    public async Task An_smtp_server_that_comes_up_late_gets_the_email_exactly_once()
    {
        var port = LoopbackPort.Free();
        await using var harness = Harness(port);
        var (shipment, recipient) = await harness.SeedShipmentAsync("DOWN-UP01", Notices.Code);
        await harness.EnqueueAsync(Notices.For(shipment, recipient, reference: "DOWN-UP01", phone: null));
        await harness.StartAsync();

        await Eventually.WaitAsync(async () => (await harness.DeliveriesAsync()).Single().Attempts >= 2, "two attempts have failed");
        var failing = (await harness.DeliveriesAsync()).Single();
        failing.State.Should().BeOneOf("queued", "sending");
        failing.LastError.Should().StartWith("Cannot reach the SMTP server");

        await using var smtp = await TestSmtpServer.StartAsync(port);
        await Eventually.WaitAsync(() => !smtp.Messages.IsEmpty, "the e-mail arrives");
        await Task.Delay(1500); // several poll intervals and maximum backoffs: time enough for a duplicate to show
        smtp.Messages.Should().ContainSingle();
        var row = (await harness.DeliveriesAsync()).Single();
        (row.State, row.PayloadErased).Should().Be(("sent", true));
    }

    [Fact]
    public async Task A_recipient_the_relay_refuses_with_a_5xx_reply_fails_for_good_without_retrying()
    {
        var port = LoopbackPort.Free();
        await using var smtp = await TestSmtpServer.StartAsync(port, acceptRecipient: address => address != "nobody@clinic.test");
        await using var harness = Harness(port);
        var (shipment, recipient) = await harness.SeedShipmentAsync("REFUSED01", Notices.Code, email: "nobody@clinic.test");
        await harness.EnqueueAsync(Notices.For(shipment, recipient, reference: "REFUSED01", email: "nobody@clinic.test", phone: null));
        await harness.StartAsync();

        await Eventually.WaitAsync(async () => (await harness.DeliveriesAsync()).Single().State == "failed", "the delivery fails");
        await Task.Delay(500);
        var row = (await harness.DeliveriesAsync()).Single();
        (row.Attempts, row.PayloadErased).Should().Be((1L, true));
        row.LastError.Should().Contain("550").And.Contain("RecipientNotAccepted");
        var audit = (await harness.AuditAsync()).Single();
        (audit.EventId, audit.Outcome).Should().Be(("110106", 8L));
        harness.Logs.Entries.Should().Contain(e => e.StartsWith("Warning", StringComparison.Ordinal) && e.Contains("failed for good", StringComparison.Ordinal));
        smtp.Messages.Should().BeEmpty();
    }

    [Fact]
    public async Task Without_an_smtp_host_the_email_is_written_as_a_parseable_eml_file_in_the_outbox()
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>());
        var (shipment, recipient) = await harness.SeedShipmentAsync("OUTBOX001", Notices.Code);
        await harness.StartAsync();
        await harness.EnqueueAsync(Notices.For(shipment, recipient, reference: "OUTBOX001", phone: null, language: "pl"));

        var outbox = Path.Combine(_dir.Path, "outbox", "mail");
        await Eventually.WaitAsync(() => Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length == 1, "the .eml file appears");
        Directory.GetFiles(outbox).Should().ContainSingle("no temporary file is left behind");
        var message = await MimeMessage.LoadAsync(Directory.GetFiles(outbox, "*.eml").Single());
        message.Body.Should().BeOfType<MultipartAlternative>();
        message.Subject.Should().Be("Obrazy medyczne dla Państwa (nr ref. OUTBOX001)");
        message.TextBody.Should().Contain(Notices.Link).And.Contain("12,3 MB").And.NotContain(Notices.Code);
        message.MessageId.Should().StartWith("delivery-");
    }
}
