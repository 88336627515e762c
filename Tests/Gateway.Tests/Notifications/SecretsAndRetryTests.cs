using DicomGateway.Notifications;

namespace Gateway.Tests.Notifications;

/// <summary>The link, its token and key share, and the SMS code stay out of logs, errors and the audit trail; retries back off.</summary>
public sealed class SecretsAndRetryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_failing_run_never_writes_the_link_token_key_share_or_code_to_a_log_an_error_or_the_audit_trail()
    {
        var closedPort = LoopbackPort.Free();
        await using var webhook = await TestWebhook.StartAsync(n => n % 2 == 0 ? 503 : 500);
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Host"] = "127.0.0.1",
            ["Mail:Port"] = closedPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sms:Provider"] = "Webhook",
            ["Sms:Webhook:Url"] = webhook.Url,
            ["Sms:Webhook:Headers:Authorization"] = "Bearer sms-provider-secret",
            ["Notifications:MaxAttempts"] = "3",
        };
        await using var harness = new NotificationHarness(_dir.Path, settings);
        var (shipment, recipient) = await harness.SeedShipmentAsync("LEAKS0001", Notices.Code);
        await harness.StartAsync();
        await harness.EnqueueAsync(Notices.For(shipment, recipient, reference: "LEAKS0001"));
        (await harness.Outbox.EnqueueCodeResendAsync(recipient, CancellationToken.None)).Should().Be(CodeResendResult.Queued);

        await Eventually.WaitAsync(async () => (await harness.DeliveriesAsync()).All(r => r.State == "failed"), "every delivery fails for good");

        var rows = await harness.DeliveriesAsync();
        rows.Should().HaveCount(3).And.OnlyContain(r => r.Attempts == 3 && r.PayloadErased);
        var audit = await harness.AuditAsync();
        audit.Should().HaveCount(3).And.OnlyContain(a => a.Outcome == 8);
        harness.Logs.Entries.Should().Contain(e => e.StartsWith("Warning", StringComparison.Ordinal) && e.Contains("failed for good", StringComparison.Ordinal));

        string[] secrets = [Notices.Link, Notices.Token, Notices.KeyShare, Notices.Code, "ABCD-EFGH", "sms-provider-secret"];
        var everything = harness.Logs.Entries.Concat(rows.Select(r => r.LastError ?? "")).Concat(audit.Select(a => a.Detail ?? "")).ToList();
        everything.Should().NotBeEmpty();
        foreach (var text in everything)
            foreach (var secret in secrets)
                text.Should().NotContain(secret);
    }

    [Fact]
    public void The_retry_delay_is_full_jitter_under_an_exponential_ceiling_with_a_cap()
    {
        var random = new Random(7);
        var baseDelay = TimeSpan.FromSeconds(2);
        var cap = TimeSpan.FromMinutes(10);
        for (var attempt = 1; attempt <= 40; attempt++)
        {
            var ceiling = TimeSpan.FromMilliseconds(Math.Min(cap.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)));
            var delays = Enumerable.Range(0, 200).Select(_ => RetryBackoff.Delay(attempt, baseDelay, cap, random)).ToList();
            delays.Should().OnlyContain(d => d >= TimeSpan.Zero && d <= ceiling);
            // Spread over the whole range, not bunched at the ceiling.
            delays.Min().Should().BeLessThan(ceiling / 4);
            delays.Max().Should().BeGreaterThan(ceiling * 3 / 4);
        }
    }

    [Fact]
    public void Options_that_cannot_work_are_refused_at_start()
    {
        new MailOptions { Host = "smtp.hospital.test", FromAddress = "" }.Validate().Should().Contain(p => p.Contains("FromAddress", StringComparison.Ordinal));
        new MailOptions { Port = 0 }.Validate().Should().Contain(p => p.Contains("Port", StringComparison.Ordinal));
        new MailOptions { Host = "smtp.hospital.test", FromAddress = "gateway@hospital.test" }.Validate().Should().BeEmpty();
        new SmsOptions { Provider = SmsProvider.Webhook, Webhook = { Url = "ftp://sms.test/" } }.Validate().Should().Contain(p => p.Contains("Url", StringComparison.Ordinal));
        new SmsOptions { Provider = SmsProvider.Webhook, Webhook = { Url = "/relative" } }.Validate().Should().Contain(p => p.Contains("Url", StringComparison.Ordinal));
        new SmsOptions { DefaultRegion = "XX" }.Validate().Should().Contain(p => p.Contains("DefaultRegion", StringComparison.Ordinal));
        new NotificationOptions { TimeZone = "Mars/Olympus" }.Validate().Should().Contain(p => p.Contains("TimeZone", StringComparison.Ordinal));
        new NotificationOptions { RetryBaseDelay = TimeSpan.FromMinutes(20) }.Validate().Should().Contain(p => p.Contains("RetryMaxDelay", StringComparison.Ordinal));
        new NotificationOptions().Validate().Should().BeEmpty();
    }
}
