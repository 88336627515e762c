using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DicomGateway.Crypto;
using DicomKit.Data;
using DicomKit.IO;
using Gateway.Tests.Shipments;
using MimeKit;

namespace Gateway.Tests.Notifications;

/// <summary>
/// The notification path of the real gateway process against real peers: storescu sends a study, the gateway e-mails
/// the link to an SMTP server running in this process and posts the code to an HTTP webhook standing in for the SMS
/// provider, and with only what those two received the test opens and decrypts the shipment.
/// </summary>
public sealed partial class GatewayNotificationEndToEndTests : IDisposable
{
    private const string Phone = "+420603000000";
    private const string ApiKey = "secret-key";

    private readonly TempDirectory _dir = new("gw-notify-e2e-");

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string> Environment(int smtpPort, string webhookUrl) => new()
    {
        ["Shipments__StableStudySeconds"] = "1",
        ["Notifications__PollInterval"] = "00:00:00.200",
        ["Notifications__RetryBaseDelay"] = "00:00:00.200",
        ["Notifications__RetryMaxDelay"] = "00:00:01",
        ["Mail__Host"] = "127.0.0.1",
        ["Mail__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        ["Mail__Security"] = "None",
        ["Mail__FromAddress"] = "gateway@example.org",
        ["Sms__Provider"] = "Webhook",
        ["Sms__Webhook__Url"] = webhookUrl,
        ["Sms__Webhook__Headers__X-Api-Key"] = ApiKey,
        ["Routing__Rules__0__Name"] = "Everything to Dr. Novák",
        ["Routing__Rules__0__Recipients__0__Email"] = "dr.novak@example.org",
        ["Routing__Rules__0__Recipients__0__Phone"] = Phone,
        ["Routing__Rules__0__Recipients__0__Language"] = "cs",
        ["Routing__Rules__0__ExpiryDays"] = "7",
    };

    private async Task<List<string>> SendStudyAsync(GatewayProcess gw, int count)
    {
        var files = Enumerable.Range(1, count).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);
        return files;
    }

    [Fact]
    public async Task A_study_sent_with_storescu_is_announced_by_smtp_and_webhook_and_the_two_halves_open_it()
    {
        var smtpPort = LoopbackPort.Free();
        await using var smtp = await TestSmtpServer.StartAsync(smtpPort);
        await using var webhook = await TestWebhook.StartAsync(_ => 200);
        await using var gw = await GatewayProcess.StartAsync(Environment(smtpPort, webhook.Url));
        var files = await SendStudyAsync(gw, 6);

        await Eventually.WaitAsync(() => !smtp.Messages.IsEmpty && !webhook.Requests.IsEmpty, "an e-mail and an SMS arrive", TimeSpan.FromSeconds(60));
        var mail = smtp.Messages.Single();
        mail.To.Mailboxes.Single().Address.Should().Be("dr.novak@example.org");
        mail.From.Mailboxes.Single().Address.Should().Be("gateway@example.org");
        var (body, contentType, headers) = webhook.Requests.Single();
        contentType.Should().StartWith("application/json");
        headers.Should().ContainKey("X-Api-Key").WhoseValue.Should().Be(ApiKey);
        using var sms = JsonDocument.Parse(body);
        sms.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("to", "text");
        sms.RootElement.GetProperty("to").GetString().Should().Be(Phone);
        var smsText = sms.RootElement.GetProperty("text").GetString()!;

        var link = RecipientLinks.Pattern().Match(mail.TextBody ?? "").Value;
        link.Should().NotBeEmpty("the text part of the e-mail carries the link");
        var code = CodePattern().Match(smsText).Groups[1].Value;
        code.Should().NotBeEmpty("the SMS carries the code");

        using var recipient = new RecipientClient(gw.WebBase, link, code);
        var unlocked = await recipient.UnlockAsync();
        unlocked.Status.Should().Be(HttpStatusCode.OK, unlocked.Body.ToString());
        var manifest = await recipient.ManifestAsync();
        manifest.InstanceCount.Should().Be(6);
        var entries = manifest.Series.SelectMany(s => s.Instances).ToList();
        entries.Should().HaveCount(6);
        var sentUids = files.Select(f => DicomFile.Open(f).Dataset.GetString(Tags.SOPInstanceUID)!).ToHashSet();
        var openedUids = new List<string>();
        foreach (var entry in entries)
        {
            var got = DicomFile.Open(new MemoryStream(await recipient.DecryptBlobAsync(entry.Ordinal)));
            var uid = got.Dataset.GetString(Tags.SOPInstanceUID)!;
            uid.Should().Be(entry.SopInstanceUid);
            openedUids.Add(uid);
        }
        openedUids.Should().BeEquivalentTo(sentUids, "every sent instance opens, once");

        // Each channel carries only its half: no patient and no code in the e-mail, nothing of the link in the SMS.
        var normalizedCode = ShipmentKeys.NormalizeCode(code)!;
        var mailParts = new List<string> { mail.Subject ?? "", mail.TextBody ?? "", mail.HtmlBody ?? "", mail.ToString() };
        mailParts.AddRange(mail.Headers.Select(h => h.Value));
        foreach (var part in mailParts)
            part.Should().NotContain("Dvořák").And.NotContain("Dvorak").And.NotContain("PAT-001").And.NotContain(code).And.NotContain(normalizedCode);
        var (token, fragment) = RecipientLinks.Texts(link);
        smsText.Should().NotContain("/s/").And.NotContain("http");
        foreach (var secret in new[] { token, fragment })
            for (var i = 0; i + 6 <= secret.Length; i++)
                smsText.Should().NotContain(secret.Substring(i, 6), "no part of the link may travel by SMS");
    }

    [Fact]
    public async Task Smtp_down_for_a_while_then_up_delivers_exactly_once_and_a_webhook_failing_three_times_delivers_exactly_once()
    {
        var smtpPort = LoopbackPort.Free();
        await using var webhook = await TestWebhook.StartAsync(n => n <= 3 ? 500 : 200);
        await using var gw = await GatewayProcess.StartAsync(Environment(smtpPort, webhook.Url));
        await SendStudyAsync(gw, 2);

        // The study is sealed and its notices are being dispatched once the webhook hears of it; the relay stays down a while longer.
        await Eventually.WaitAsync(() => !webhook.Requests.IsEmpty, "the first SMS attempt", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(3));
        gw.Output.Should().Contain("Cannot reach the SMTP server", "the e-mail was tried while the relay was down");

        await using var smtp = await TestSmtpServer.StartAsync(smtpPort);
        await Eventually.WaitAsync(() => !smtp.Messages.IsEmpty, "the e-mail arrives once the relay is up", TimeSpan.FromSeconds(30));
        await Eventually.WaitAsync(() => webhook.Requests.Count >= 4, "the fourth SMS attempt", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(3)); // many poll intervals and maximum backoffs: time enough for a duplicate to show

        smtp.Messages.Should().ContainSingle().Which.To.Mailboxes.Single().Address.Should().Be("dr.novak@example.org");
        webhook.Requests.Should().HaveCount(4, "three 500s are retried and the 200 ends it");
        webhook.Requests.Select(r => r.Body).Distinct().Should().ContainSingle("every attempt carries the same SMS");
        gw.Output.Should().Contain("sms shipment) sent on attempt 4").And.Contain("email shipment) sent on attempt");
    }

    [GeneratedRegex(@": ([0-9A-Z]{4}-[0-9A-Z]{4})")]
    private static partial Regex CodePattern();
}
