using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MimeKit;

namespace Gateway.Tests.Support;

/// <summary>
/// The gateway's mail and SMS outboxes in a test's directory, with the settings that route every study to one
/// recipient through them, and the wait for the e-mail (the link) and the SMS (the code) a sealed shipment sends.
/// </summary>
public sealed partial class Outboxes(string directory)
{
    public string MailDirectory => Path.Combine(directory, "mail");
    public string SmsDirectory => Path.Combine(directory, "sms");

    public Dictionary<string, string> Environment(int stableSeconds = 1) => new()
    {
        ["Shipments__StableStudySeconds"] = stableSeconds.ToString(CultureInfo.InvariantCulture),
        ["Mail__OutboxDirectory"] = MailDirectory,
        ["Sms__OutboxDirectory"] = SmsDirectory,
        ["Notifications__PollInterval"] = "00:00:00.200",
        ["Routing__Rules__0__Name"] = "Everything to Dr. Novák",
        ["Routing__Rules__0__Recipients__0__Email"] = "dr.novak@example.org",
        ["Routing__Rules__0__Recipients__0__Phone"] = "+420603000000",
        ["Routing__Rules__0__Recipients__0__Language"] = "cs",
        ["Routing__Rules__0__ExpiryDays"] = "7",
    };

    /// <summary>The newest link and code once at least <paramref name="count"/> e-mails and SMS are in the outboxes.</summary>
    public async Task<(string Link, string Code)> WaitForNotificationAsync(int count = 1, int timeoutSeconds = 60)
    {
        var (mails, sms) = await Eventually.PollAsync(() => Task.FromResult(Files()), f => f.Mails.Length >= count && f.Sms.Length >= count,
            TimeSpan.FromSeconds(timeoutSeconds), TimeSpan.FromMilliseconds(200));
        if (mails.Length < count || sms.Length < count)
            throw new TimeoutException($"no e-mail and SMS in the outboxes within {timeoutSeconds} s");
        var message = await MimeMessage.LoadAsync(mails.OrderBy(f => File.GetLastWriteTimeUtc(f)).Last());
        var link = RecipientLinks.Pattern().Match(message.TextBody ?? "").Value;
        using var smsJson = JsonDocument.Parse(await File.ReadAllTextAsync(sms.OrderBy(f => File.GetLastWriteTimeUtc(f)).Last()));
        var code = CodePattern().Match(smsJson.RootElement.GetProperty("text").GetString()!).Groups[1].Value;
        link.Should().NotBeEmpty();
        code.Should().NotBeEmpty();
        return (link, code);
    }

    /// <summary>
    /// Each recipient's link and code, once <paramref name="count"/> e-mails and SMS are in the outboxes, keyed by the
    /// e-mail address; the SMS to <paramref name="phones"/>[i] belongs to the e-mail to <paramref name="emails"/>[i].
    /// </summary>
    public async Task<Dictionary<string, (string Link, string Code)>> WaitForRecipientsAsync(IReadOnlyList<string> emails, IReadOnlyList<string> phones,
        int timeoutSeconds = 60)
    {
        var (mails, sms) = await Eventually.PollAsync(() => Task.FromResult(Files()), f => f.Mails.Length >= emails.Count && f.Sms.Length >= phones.Count,
            TimeSpan.FromSeconds(timeoutSeconds), TimeSpan.FromMilliseconds(200));
        if (mails.Length < emails.Count || sms.Length < phones.Count)
            throw new TimeoutException($"no {emails.Count} e-mails and SMS in the outboxes within {timeoutSeconds} s");
        var links = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var mail in mails)
        {
            var message = await MimeMessage.LoadAsync(mail);
            links[message.To.Mailboxes.Single().Address] = RecipientLinks.Pattern().Match(message.TextBody ?? "").Value;
        }
        var codes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in sms)
        {
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            codes[json.RootElement.GetProperty("to").GetString()!] = CodePattern().Match(json.RootElement.GetProperty("text").GetString()!).Groups[1].Value;
        }
        return emails.Select((e, i) => (e, links[e], codes[phones[i]])).ToDictionary(x => x.e, x => (x.Item2, x.Item3), StringComparer.OrdinalIgnoreCase);
    }

    private (string[] Mails, string[] Sms) Files() =>
        (Directory.Exists(MailDirectory) ? Directory.GetFiles(MailDirectory, "*.eml") : [],
         Directory.Exists(SmsDirectory) ? Directory.GetFiles(SmsDirectory, "*.json") : []);

    [GeneratedRegex(@": ([0-9A-Z]{4}-[0-9A-Z]{4})")]
    private static partial Regex CodePattern();
}
