using System.Text.Json;
using Dapper;
using DicomGateway.Notifications;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace Gateway.Tests.Notifications;

/// <summary>Queueing: once per shipment and channel, the resend limit, sender notices, and surviving a restart.</summary>
public sealed class OutboxTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Enqueueing_the_same_shipment_notice_twice_queues_each_channel_once_and_leaves_the_callers_transaction_usable()
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>());
        var (shipment, recipient) = await harness.SeedShipmentAsync("TWICE0001", Notices.Code);
        var notice = Notices.For(shipment, recipient, reference: "TWICE0001");
        await harness.EnqueueAsync(notice);

        await using (var c = await harness.Database.OpenAsync())
        await using (var t = c.BeginTransaction())
        {
            await harness.Outbox.EnqueueShipmentAsync(c, t, notice, CancellationToken.None);
            // The sealing transaction goes on after the no-op and commits its own work.
            await c.ExecuteAsync("UPDATE shipments SET max_downloads = 5 WHERE id = @shipment", new { shipment }, t);
            await t.CommitAsync();
        }

        var rows = await harness.DeliveriesAsync();
        rows.Select(r => (r.Channel, r.Kind, r.State)).Should().BeEquivalentTo(new[] { ("email", "shipment", "queued"), ("sms", "shipment", "queued") });
        await using var check = await harness.Database.OpenAsync();
        (await check.ExecuteScalarAsync<long>("SELECT max_downloads FROM shipments WHERE id = @shipment", new { shipment })).Should().Be(5);
    }

    [Fact]
    public async Task A_notice_enqueued_in_a_transaction_that_rolls_back_is_never_sent()
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>());
        var (shipment, recipient) = await harness.SeedShipmentAsync("ROLLBACK1", Notices.Code);
        await using (var c = await harness.Database.OpenAsync())
        await using (var t = c.BeginTransaction())
        {
            await harness.Outbox.EnqueueShipmentAsync(c, t, Notices.For(shipment, recipient), CancellationToken.None);
            await t.RollbackAsync();
        }
        (await harness.DeliveriesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task The_code_can_be_resent_three_times_per_shipment_in_an_hour_and_again_an_hour_later()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>(), time: time);
        var (shipment, recipient) = await harness.SeedShipmentAsync("RESEND001", Notices.Code);

        for (var i = 0; i < 3; i++)
        {
            (await harness.Outbox.EnqueueCodeResendAsync(recipient, CancellationToken.None)).Should().Be(CodeResendResult.Queued);
            time.Advance(TimeSpan.FromMinutes(5));
        }
        (await harness.Outbox.EnqueueCodeResendAsync(recipient, CancellationToken.None)).Should().Be(CodeResendResult.RateLimited);
        time.Advance(TimeSpan.FromMinutes(46)); // the first resend is now more than an hour old
        (await harness.Outbox.EnqueueCodeResendAsync(recipient, CancellationToken.None)).Should().Be(CodeResendResult.Queued);
        (await harness.Outbox.EnqueueCodeResendAsync(recipient, CancellationToken.None)).Should().Be(CodeResendResult.RateLimited);

        (await harness.DeliveriesAsync()).Should().HaveCount(4).And.OnlyContain(r => r.Kind == "code-resend" && r.Channel == "sms");

        // The queued resends carry the code read back from recipients.code.
        await harness.StartAsync();
        var outbox = Path.Combine(_dir.Path, "outbox", "sms");
        await Eventually.WaitAsync(() => Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.json").Length == 4, "the resends are written");
        foreach (var file in Directory.GetFiles(outbox, "*.json"))
            JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement.GetProperty("text").GetString().Should().Contain("ABCD-EFGH").And.Contain("RESEND001");
    }

    [Fact]
    public async Task A_resend_is_refused_for_a_recipient_without_a_phone_an_unknown_recipient_and_an_erased_code()
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>());
        var (_, noPhone) = await harness.SeedShipmentAsync("NOPHONE01", Notices.Code, phone: null);
        var (shipment, erased) = await harness.SeedShipmentAsync("ERASED001", Notices.Code);
        await using (var c = await harness.Database.OpenAsync())
            await c.ExecuteAsync("UPDATE recipients SET code = NULL WHERE id = @erased; UPDATE shipments SET state = 'erased' WHERE id = @shipment", new { erased, shipment });

        (await harness.Outbox.EnqueueCodeResendAsync(noPhone, CancellationToken.None)).Should().Be(CodeResendResult.NoPhone);
        (await harness.Outbox.EnqueueCodeResendAsync(987_654, CancellationToken.None)).Should().Be(CodeResendResult.NotFound);
        (await harness.Outbox.EnqueueCodeResendAsync(erased, CancellationToken.None)).Should().Be(CodeResendResult.NotActive);
        (await harness.DeliveriesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task The_sender_hears_once_that_the_shipment_was_opened_with_only_the_reference_and_dates()
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?> { ["Mail:DefaultLanguage"] = "cs" });
        var (shipment, recipient) = await harness.SeedShipmentAsync("OPENED001", Notices.Code, notifyEmail: "radiology@hospital.test");
        var (quiet, _) = await harness.SeedShipmentAsync("QUIET0001", Notices.Code);
        await using (var c = await harness.Database.OpenAsync())
            await c.ExecuteAsync("UPDATE recipients SET first_opened_at = @now, open_count = 1 WHERE id = @recipient", new { now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), recipient });

        (await harness.Outbox.EnqueueSenderNoticeAsync(shipment, SenderNoticeKind.Opened, CancellationToken.None)).Should().BeTrue();
        (await harness.Outbox.EnqueueSenderNoticeAsync(shipment, SenderNoticeKind.Opened, CancellationToken.None)).Should().BeFalse();
        (await harness.Outbox.EnqueueSenderNoticeAsync(quiet, SenderNoticeKind.ExpiredUnopened, CancellationToken.None)).Should().BeFalse("that shipment has no notify address");
        await harness.StartAsync();

        var outbox = Path.Combine(_dir.Path, "outbox", "mail");
        await Eventually.WaitAsync(() => Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length == 1, "the notice is written");
        var message = await MimeMessage.LoadAsync(Directory.GetFiles(outbox, "*.eml").Single());
        message.To.Mailboxes.Single().Address.Should().Be("radiology@hospital.test");
        message.Subject.Should().Be("Zásilka OPENED001 byla otevřena");
        message.TextBody.Should().Contain("poprvé otevřena").And.NotContain("https://");
        (await harness.DeliveriesAsync()).Single().Channel.Should().Be("notify-email");
    }

    [Fact]
    public async Task A_new_dispatcher_on_the_same_database_delivers_what_the_stopped_one_left_once_and_requeues_rows_stuck_in_sending()
    {
        var port = LoopbackPort.Free();
        var settings = new Dictionary<string, string?> { ["Mail:Host"] = "127.0.0.1", ["Mail:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var protector = new TestSecretProtector();
        long stuck;
        await using (var first = new NotificationHarness(_dir.Path, settings, protector))
        {
            var (s1, r1) = await first.SeedShipmentAsync("RESTART01", Notices.Code);
            var (s2, r2) = await first.SeedShipmentAsync("RESTART02", Notices.Code);
            await first.EnqueueAsync(Notices.For(s1, r1, reference: "RESTART01", phone: null));
            await first.StartAsync();
            await Eventually.WaitAsync(async () => (await first.DeliveriesAsync()).Single().Attempts >= 1, "the first attempt fails (server down)");
            await first.StopAsync();
            // A crash between claim and outcome: the row is left in 'sending'.
            await first.EnqueueAsync(Notices.For(s2, r2, reference: "RESTART02", phone: null));
            await using var c = await first.Database.OpenAsync();
            stuck = await c.ExecuteScalarAsync<long>("UPDATE deliveries SET state = 'sending', attempts = 1 WHERE kind = 'shipment' AND shipment_id = @s2 RETURNING id", new { s2 });
        }

        await using var smtp = await TestSmtpServer.StartAsync(port);
        await using var second = new NotificationHarness(_dir.Path, settings, protector);
        await second.StartAsync();

        await Eventually.WaitAsync(() => smtp.Messages.Count == 2, "both e-mails arrive");
        await Task.Delay(1000);
        smtp.Messages.Select(m => m.Subject).Should().HaveCount(2).And.OnlyHaveUniqueItems()
            .And.Contain(s => s.Contains("RESTART01", StringComparison.Ordinal)).And.Contain(s => s.Contains("RESTART02", StringComparison.Ordinal));
        (await second.DeliveriesAsync()).Should().OnlyContain(r => r.State == "sent" && r.PayloadErased);
        (await second.DeliveriesAsync()).Single(r => r.Id == stuck).Attempts.Should().Be(2);
        second.Logs.Entries.Should().Contain(e => e.StartsWith("Warning", StringComparison.Ordinal) && e.Contains("interrupted", StringComparison.Ordinal));
    }
}
