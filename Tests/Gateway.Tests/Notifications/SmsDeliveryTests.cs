using System.Text.Json;

namespace Gateway.Tests.Notifications;

/// <summary>SMS through a real HTTP endpoint (Kestrel) and through the file outbox.</summary>
public sealed class SmsDeliveryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private NotificationHarness WebhookHarness(TestWebhook webhook, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sms:Provider"] = "Webhook",
            ["Sms:Webhook:Url"] = webhook.Url,
            ["Sms:Webhook:Headers:X-Api-Key"] = "test-api-key-42",
            ["Sms:Webhook:Timeout"] = "00:00:05",
        };
        foreach (var (key, value) in extra) settings[key] = value;
        return new NotificationHarness(_dir.Path, settings);
    }

    [Fact]
    public async Task A_webhook_that_fails_three_times_then_accepts_gets_the_sms_exactly_once_as_to_and_text_json_with_the_configured_header()
    {
        await using var webhook = await TestWebhook.StartAsync(n => n <= 3 ? 500 : 200);
        await using var harness = WebhookHarness(webhook);
        var (shipment, recipient) = await harness.SeedShipmentAsync("K7M2-9QXD", Notices.Code);
        await harness.StartAsync();
        await harness.EnqueueAsync(Notices.For(shipment, recipient, email: null));

        await Eventually.WaitAsync(async () => (await harness.DeliveriesAsync()).Single().State == "sent", "the SMS is sent");
        await Task.Delay(1000);
        webhook.Requests.Should().HaveCount(4);
        var (body, contentType, headers) = webhook.Requests.Last();
        contentType.Should().StartWith("application/json");
        headers["X-Api-Key"].Should().Be("test-api-key-42");
        using var json = JsonDocument.Parse(body);
        json.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("to", "text");
        json.RootElement.GetProperty("to").GetString().Should().Be("+420603000000");
        var text = json.RootElement.GetProperty("text").GetString()!;
        text.Should().Contain("ABCD-EFGH").And.Contain("K7M2-9QXD").And.NotContain(Notices.Link);
        text.Length.Should().BeLessThanOrEqualTo(160);
        var row = (await harness.DeliveriesAsync()).Single();
        (row.Attempts, row.PayloadErased).Should().Be((4L, true));
    }

    [Fact]
    public async Task A_webhook_answering_400_is_a_permanent_failure_with_no_further_attempts_and_the_payload_erased()
    {
        await using var webhook = await TestWebhook.StartAsync(_ => 400);
        await using var harness = WebhookHarness(webhook);
        var (shipment, recipient) = await harness.SeedShipmentAsync("BADREQ001", Notices.Code);
        await harness.StartAsync();
        await harness.EnqueueAsync(Notices.For(shipment, recipient, reference: "BADREQ001", email: null));

        await Eventually.WaitAsync(async () => (await harness.DeliveriesAsync()).Single().State == "failed", "the SMS fails");
        await Task.Delay(800);
        webhook.Requests.Should().ContainSingle();
        var row = (await harness.DeliveriesAsync()).Single();
        (row.State, row.Attempts, row.PayloadErased, row.LastError).Should().Be(("failed", 1L, true, "SMS webhook answered HTTP 400"));
        (await harness.AuditAsync()).Should().ContainSingle(a => a.Outcome == 8 && a.Detail!.Contains("\"channel\":\"sms\""));
    }

    [Fact]
    public async Task The_sms_outbox_writes_one_json_file_with_exactly_to_and_text()
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>());
        var (shipment, recipient) = await harness.SeedShipmentAsync("SMSBOX001", Notices.Code);
        await harness.StartAsync();
        await harness.EnqueueAsync(Notices.For(shipment, recipient, reference: "SMSBOX001", email: null, language: "en"));

        var outbox = Path.Combine(_dir.Path, "outbox", "sms");
        await Eventually.WaitAsync(() => Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.json").Length == 1, "the SMS file appears");
        Directory.GetFiles(outbox).Should().ContainSingle("no temporary file is left behind");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Directory.GetFiles(outbox).Single()));
        json.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("to", "text");
        json.RootElement.GetProperty("to").GetString().Should().Be("+420603000000");
        json.RootElement.GetProperty("text").GetString().Should().Be("Code for medical images ref SMSBOX001: ABCD-EFGH. Enter it with the link sent by e-mail. Do not share it.");
    }
}
