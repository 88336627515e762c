using System.Globalization;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Forwarding;
using DicomGateway.Nodes;
using DicomGateway.Notifications;
using DicomGateway.Shipments;
using DicomGateway.Storage;
using DicomGateway.Studies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Notifications;

/// <summary>
/// A shipment that ends (revoked, expired) takes its unsent messages with it: queued ones are cancelled with their
/// content erased and never sent (a real SMTP server would show one), the dispatcher looks again right before sending,
/// and the outbox files that hold a link or a code in clear are deleted. Sender notices carry no secret and still go.
/// </summary>
public sealed class EndedShipmentTests : IDisposable
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private NotificationHarness Smtp(int port) => new(_dir.Path, new Dictionary<string, string?>
    {
        ["Mail:Host"] = "127.0.0.1",
        ["Mail:Port"] = port.ToString(CultureInfo.InvariantCulture),
    });

    private static ShipmentAdministration Administration(NotificationHarness harness) =>
        new(harness.Database, new AuditTrail(harness.Database, TimeProvider.System), harness.Outbox, TimeProvider.System, NullLogger<ShipmentAdministration>.Instance);

    [Fact]
    public async Task A_revoked_shipments_queued_email_never_reaches_the_smtp_server_while_the_senders_notice_still_does()
    {
        var port = LoopbackPort.Free();
        await using var smtp = await TestSmtpServer.StartAsync(port);
        await using var harness = Smtp(port);
        var (shipment, recipient) = await harness.SeedShipmentAsync("REVOKED01", Notices.Code, phone: null, notifyEmail: "sender@hospital.test");
        await harness.EnqueueAsync(Notices.For(shipment, recipient, reference: "REVOKED01", phone: null));

        (await Administration(harness).RevokeAsync(shipment, "admin.novak", "wrong clinic", CancellationToken.None)).Should().BeTrue();
        // Queued after the recipient's e-mail, so sent after it: once it has arrived, the e-mail had its turn.
        (await harness.Outbox.EnqueueSenderNoticeAsync(shipment, SenderNoticeKind.Opened, CancellationToken.None)).Should().BeTrue();
        await harness.StartAsync();

        await Eventually.WaitAsync(() => !smtp.Messages.IsEmpty, "the sender's notice arrives", Bounded);
        await Eventually.WaitAsync(async () => (await harness.DeliveriesAsync()).All(d => d.State is "sent" or "cancelled"), "every row is settled", Bounded);
        var message = smtp.Messages.Should().ContainSingle().Subject;
        message.To.Mailboxes.Single().Address.Should().Be("sender@hospital.test");
        message.TextBody.Should().NotContain(Notices.Token).And.NotContain(Notices.KeyShare);

        var rows = await harness.DeliveriesAsync();
        var email = rows.Should().ContainSingle(d => d.Kind == "shipment").Subject;
        (email.State, email.PayloadErased, email.Attempts, email.SentAt).Should().Be(("cancelled", true, 0L, (long?)null));
        email.LastError.Should().Contain("shipment ended");
        rows.Should().ContainSingle(d => d.Kind == "opened").Which.State.Should().Be("sent");
        (await harness.Outbox.RetryShipmentEmailAsync(shipment, recipient, CancellationToken.None)).Should().Be(EmailRetryResult.FailedForGood,
            "an administrator cannot send a cancelled message again: its link is gone");
        (await harness.AuditAsync()).Should().NotContain(a => a.EventId == AuditEventIds.Export && a.RecipientId == recipient,
            "nothing was exported to the recipient");
    }

    [Fact]
    public async Task The_dispatcher_looks_again_before_sending_and_cancels_a_message_whose_shipment_ended_after_it_was_queued()
    {
        var port = LoopbackPort.Free();
        await using var smtp = await TestSmtpServer.StartAsync(port);
        await using var harness = Smtp(port);
        var (revoked, r1) = await harness.SeedShipmentAsync("RACE00001", Notices.Code, phone: null);
        var (expired, r2) = await harness.SeedShipmentAsync("RACE00002", Notices.Code, phone: null);
        var (live, r3) = await harness.SeedShipmentAsync("RACE00003", Notices.Code, phone: null);
        await harness.EnqueueAsync(Notices.For(revoked, r1, reference: "RACE00001", phone: null));
        await harness.EnqueueAsync(Notices.For(expired, r2, reference: "RACE00002", phone: null));
        await harness.EnqueueAsync(Notices.For(live, r3, reference: "RACE00003", phone: null));
        // The race: the shipments end after their messages were queued and no cancel has reached the rows (a revoke
        // committing after the claim; an expiry the sweeper has not recorded yet).
        await using (var c = await harness.Database.OpenAsync())
        {
            await c.ExecuteAsync("UPDATE shipments SET state = 'revoked', revoked_at = created_at, ended_at = created_at WHERE id = @revoked", new { revoked });
            await c.ExecuteAsync("UPDATE shipments SET expires_at = @past WHERE id = @expired",
                new { expired, past = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() });
        }
        await harness.StartAsync();

        await Eventually.WaitAsync(() => !smtp.Messages.IsEmpty, "the live shipment's e-mail arrives", Bounded);
        await Eventually.WaitAsync(async () => (await harness.DeliveriesAsync()).All(d => d.State is "sent" or "cancelled"), "every row is settled", Bounded);
        smtp.Messages.Should().ContainSingle().Which.Subject.Should().Contain("RACE00003");
        var rows = await harness.DeliveriesAsync();
        rows.Select(d => (d.State, d.PayloadErased)).Should().Equal(("cancelled", true), ("cancelled", true), ("sent", true));
        harness.Logs.Entries.Should().Contain(m => m.Contains("cancelled: the shipment ended", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_queued_code_resend_of_a_revoked_shipment_is_cancelled_with_its_code_erased()
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>());
        var (shipment, recipient) = await harness.SeedShipmentAsync("RESEND001", Notices.Code, email: null);
        (await harness.Outbox.EnqueueCodeResendAsync(recipient, CancellationToken.None)).Should().Be(CodeResendResult.Queued);

        (await Administration(harness).RevokeAsync(shipment, "admin.novak", null, CancellationToken.None)).Should().BeTrue();

        var resend = (await harness.DeliveriesAsync()).Should().ContainSingle().Subject;
        (resend.Kind, resend.State, resend.PayloadErased).Should().Be(("code-resend", "cancelled", true));
        await harness.StartAsync();
        await Task.Delay(500); // five poll intervals: a cancelled row that were claimable would have been taken
        Directory.EnumerateFileSystemEntries(Path.Combine(_dir.Path, "outbox", "sms")).Should().BeEmpty("no SMS was ever written");
        (await harness.DeliveriesAsync()).Single().State.Should().Be("cancelled");
    }

    [Fact]
    public async Task Revoking_a_shipment_deletes_its_recipients_outbox_files_and_keeps_the_senders_notice()
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>());
        var (shipment, recipient) = await harness.SeedShipmentAsync("FILES0001", Notices.Code, notifyEmail: "sender@hospital.test");
        await harness.EnqueueAsync(Notices.For(shipment, recipient, reference: "FILES0001"));
        await harness.Outbox.EnqueueSenderNoticeAsync(shipment, SenderNoticeKind.Opened, CancellationToken.None);
        await harness.StartAsync();
        var files = await WaitForFilesAsync(harness, 3);
        var (mail, sms, notice) = await FilesOfAsync(harness);
        File.ReadAllText(mail).Should().Contain(Notices.Token, "the outbox holds the link in clear: the reason for deleting it");

        (await Administration(harness).RevokeAsync(shipment, "admin.novak", null, CancellationToken.None)).Should().BeTrue();

        File.Exists(mail).Should().BeFalse();
        File.Exists(sms).Should().BeFalse();
        File.Exists(notice).Should().BeTrue("the sender's notice holds no secret");
        files.Should().HaveCount(3);
    }

    [Fact]
    public async Task Expiry_deletes_its_recipients_outbox_files_at_the_sweep()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>(), time: clock);
        var (shipment, recipient) = await harness.SeedShipmentAsync("EXPIRY001", Notices.Code, created: clock.Now);
        await harness.EnqueueAsync(Notices.For(shipment, recipient, reference: "EXPIRY001"));
        await harness.StartAsync();
        await WaitForFilesAsync(harness, 2);
        var (mail, sms, _) = await FilesOfAsync(harness);
        var sweeper = Sweeper(harness, clock);

        clock.Now = clock.Now.AddDays(7).AddMilliseconds(-1);
        (await sweeper.SweepAsync(CancellationToken.None)).Expired.Should().Be(0);
        File.Exists(mail).Should().BeTrue("the shipment has not expired yet");
        File.Exists(sms).Should().BeTrue();

        clock.Advance(TimeSpan.FromMilliseconds(1));
        (await sweeper.SweepAsync(CancellationToken.None)).Expired.Should().Be(1);
        File.Exists(mail).Should().BeFalse();
        File.Exists(sms).Should().BeFalse();
        Directory.EnumerateFiles(Path.Combine(_dir.Path, "outbox"), "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    private static ShipmentSweeper Sweeper(NotificationHarness harness, TimeProvider clock)
    {
        var services = harness.Services;
        var database = harness.Database;
        var audit = new AuditTrail(database, clock);
        var studies = new StudyStore(database, harness.Protector);
        var nodes = new NodeStore(database, [new ForwardNodeReferences()], audit, clock, NullLogger<NodeStore>.Instance);
        var forwards = new ForwardQueue(database, studies, nodes, audit, clock, NullLogger<ForwardQueue>.Instance);
        var blobs = new BlobStore(services.GetRequiredService<IOptions<StorageOptions>>(), services.GetRequiredService<StoragePaths>(), NullLogger<BlobStore>.Instance);
        return new ShipmentSweeper(database, studies, blobs, audit, harness.Outbox, forwards, Options.Create(new ShipmentOptions()), clock, NullLogger<ShipmentSweeper>.Instance);
    }

    private async Task<string[]> WaitForFilesAsync(NotificationHarness harness, int count)
    {
        var outbox = Path.Combine(_dir.Path, "outbox");
        string[] Files() => Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).ToArray() : [];
        await Eventually.WaitAsync(() => Files().Length >= count, $"{count} outbox files", Bounded);
        await Eventually.WaitAsync(async () => (await harness.DeliveriesAsync()).All(d => d.State == "sent"), "every row is marked sent", Bounded);
        return Files();
    }

    /// <summary>The recipient's e-mail and SMS files and the sender notice's file, named by their delivery ids.</summary>
    private async Task<(string Mail, string Sms, string Notice)> FilesOfAsync(NotificationHarness harness)
    {
        var rows = await harness.DeliveriesAsync();
        string Name(long id, string ext) => id.ToString(CultureInfo.InvariantCulture) + ext;
        var mail = Path.Combine(_dir.Path, "outbox", "mail", Name(rows.Single(d => d.Channel == "email").Id, ".eml"));
        var sms = Path.Combine(_dir.Path, "outbox", "sms", Name(rows.Single(d => d.Channel == "sms").Id, ".json"));
        var notice = rows.SingleOrDefault(d => d.Channel == "notify-email") is { } n ? Path.Combine(_dir.Path, "outbox", "mail", Name(n.Id, ".eml")) : "";
        File.Exists(mail).Should().BeTrue();
        File.Exists(sms).Should().BeTrue();
        return (mail, sms, notice);
    }
}
