using System.Globalization;
using System.Text.Json;
using DicomGateway.Notifications;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Gateway.Tests.Notifications;

/// <summary>Every template in every language renders completely, and nothing from the study can appear in a message.</summary>
public sealed class TemplateTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string> LanguagesAndKinds()
    {
        var data = new TheoryData<string, string>();
        foreach (var language in new[] { "cs", "pl", "en" })
            foreach (var kind in new[] { "shipment", "opened", "expired-unopened" })
                data.Add(language, kind);
        return data;
    }

    private static DeliveryPayload Payload(string language, string kind) => kind == "shipment"
        ? new DeliveryPayload
        {
            To = "doctor@clinic.test", Language = language, Reference = "K7M2-9QXD", Link = Notices.Link,
            ExpiresAt = new DateTimeOffset(2026, 3, 12, 13, 30, 0, TimeSpan.Zero), InstanceCount = 1234, TotalBytes = 12_345_678,
            SenderName = "MUDr. Jana Nováková", SenderOrganisation = "Fakultní nemocnice <Test> & spol.",
        }
        : new DeliveryPayload
        {
            To = "radiology@hospital.test", Language = language, Reference = "K7M2-9QXD",
            SentAt = new DateTimeOffset(2026, 3, 5, 9, 0, 0, TimeSpan.Zero), OpenedAt = new DateTimeOffset(2026, 3, 6, 10, 15, 0, TimeSpan.Zero),
            ExpiresAt = new DateTimeOffset(2026, 3, 12, 13, 30, 0, TimeSpan.Zero),
        };

    [Theory]
    [MemberData(nameof(LanguagesAndKinds))]
    public async Task Every_email_template_renders_with_all_placeholders_replaced(string language, string kind)
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>());
        var composer = harness.Services.GetRequiredService<MessageComposer>();

        var email = await composer.RenderEmailAsync(kind, Payload(language, kind), CancellationToken.None);

        foreach (var part in new[] { email.Subject, email.Text, email.Html })
            part.Should().NotContain("{{").And.NotContain("}}").And.Contain("K7M2-9QXD");
        if (kind == "shipment")
        {
            email.Text.Should().Contain(Notices.Link).And.Contain("MUDr. Jana Nováková, Fakultní nemocnice <Test> & spol.");
            email.Html.Should().Contain("Fakultní nemocnice &lt;Test&gt; &amp; spol.").And.NotContain("<Test>");
            email.Text.Should().Contain(language == "en" ? "12.3 MB" : "12,3 MB");
            // 13:30 UTC is 14:30 in Prague in March.
            email.Text.Should().Contain("14:30");
        }
        else
        {
            email.Text.Should().NotContain("https://");
        }
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("pl")]
    [InlineData("en")]
    public async Task Every_sms_renders_completely_in_one_gsm7_message(string language)
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>());
        var composer = harness.Services.GetRequiredService<MessageComposer>();

        var text = await composer.RenderSmsAsync(new DeliveryPayload { To = "+420603000000", Language = language, Reference = "K7M2-9QXD", Code = Notices.Code }, CancellationToken.None);

        text.Should().Contain("ABCD-EFGH").And.Contain("K7M2-9QXD").And.NotContain("{{").And.NotContain("##");
        text.Length.Should().BeLessThanOrEqualTo(160);
        const string gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
        text.Should().Match(t => t.All(ch => gsm7.Contains(ch)), "the basic GSM-7 alphabet keeps one SMS at 160 characters");
    }

    [Fact]
    public async Task A_language_without_templates_gets_the_default_language()
    {
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?> { ["Mail:DefaultLanguage"] = "en" });
        var composer = harness.Services.GetRequiredService<MessageComposer>();
        var email = await composer.RenderEmailAsync("shipment", Payload("de", "shipment"), CancellationToken.None);
        email.Subject.Should().Be("Medical images for you (ref K7M2-9QXD)");
    }

    [Fact]
    public async Task A_template_in_the_override_directory_replaces_the_built_in_one_and_an_unknown_placeholder_is_an_error()
    {
        var overrides = Path.Combine(_dir.Path, "templates");
        Directory.CreateDirectory(Path.Combine(overrides, "en"));
        await File.WriteAllTextAsync(Path.Combine(overrides, "en", "shipment-email.subject.txt"), "Images from our hospital, ref {{Reference}}\n");
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?> { ["Mail:TemplateDirectory"] = "templates" });
        var composer = harness.Services.GetRequiredService<MessageComposer>();

        (await composer.RenderEmailAsync("shipment", Payload("en", "shipment"), CancellationToken.None)).Subject.Should().Be("Images from our hospital, ref K7M2-9QXD");
        (await composer.RenderEmailAsync("shipment", Payload("cs", "shipment"), CancellationToken.None)).Subject.Should().Be("Lékařské snímky pro vás (ref. K7M2-9QXD)");

        await File.WriteAllTextAsync(Path.Combine(overrides, "en", "shipment-email.subject.txt"), "Images for {{PatientName}}\n");
        var render = () => composer.RenderEmailAsync("shipment", Payload("en", "shipment"), CancellationToken.None);
        await render.Should().ThrowAsync<TemplateException>().WithMessage("*{{PatientName}}*");
    }

    [Fact]
    public void Every_language_has_every_template()
    {
        var templates = new NotificationTemplates(Microsoft.Extensions.Options.Options.Create(new MailOptions()),
            new DicomGateway.Storage.StoragePaths(Microsoft.Extensions.Options.Options.Create(new DicomGateway.Storage.StorageOptions { DataDirectory = _dir.Path }), new TestHostEnvironment(_dir.Path)));
        foreach (var language in NotificationTemplates.Languages)
            foreach (var name in NotificationTemplates.FileNames)
                templates.Invoking(t => t.GetAsync(language, name, CancellationToken.None).GetAwaiter().GetResult()).Should().NotThrow($"{language}/{name} is built in");
    }

    [Fact]
    public async Task No_message_of_any_kind_or_language_contains_the_patients_name_id_or_study_description()
    {
        // The study behind this shipment: what the modality sent. The notice has no field for any of it.
        string[] studyValues = ["Dvořák^Antonín", "Dvořák", "Antonín", "PID-12345", "CT HEART"];
        await using var harness = new NotificationHarness(_dir.Path, new Dictionary<string, string?>());
        var rendered = new List<string>();
        var composer = harness.Services.GetRequiredService<MessageComposer>();
        foreach (var language in new[] { "cs", "pl", "en" })
        {
            foreach (var kind in new[] { "shipment", "opened", "expired-unopened" })
            {
                var email = await composer.RenderEmailAsync(kind, Payload(language, kind), CancellationToken.None);
                rendered.AddRange([email.Subject, email.Text, email.Html]);
            }
            rendered.Add(await composer.RenderSmsAsync(new DeliveryPayload { To = "603000000", Language = language, Reference = "K7M2-9QXD", Code = Notices.Code }, CancellationToken.None));
        }

        // And end to end: everything the gateway actually writes out for shipments in each language and for the sender side.
        var i = 0;
        foreach (var language in new[] { "cs", "pl", "en" })
        {
            var reference = "MINIMAL0" + (++i).ToString(CultureInfo.InvariantCulture);
            var (shipment, recipient) = await harness.SeedShipmentAsync(reference, Notices.Code, notifyEmail: "radiology@hospital.test", language: language);
            await harness.EnqueueAsync(Notices.For(shipment, recipient, reference: reference, language: language));
            await harness.Outbox.EnqueueSenderNoticeAsync(shipment, SenderNoticeKind.ExpiredUnopened, CancellationToken.None);
            (await harness.Outbox.EnqueueCodeResendAsync(recipient, CancellationToken.None)).Should().Be(CodeResendResult.Queued);
        }
        await harness.StartAsync();
        await Eventually.WaitAsync(async () => (await harness.DeliveriesAsync()).All(r => r.State == "sent"), "everything is written");
        foreach (var file in Directory.GetFiles(Path.Combine(_dir.Path, "outbox", "mail")))
        {
            var message = await MimeMessage.LoadAsync(file);
            rendered.AddRange([message.Subject ?? "", message.TextBody ?? "", message.HtmlBody ?? "", message.ToString()]);
        }
        foreach (var file in Directory.GetFiles(Path.Combine(_dir.Path, "outbox", "sms")))
            rendered.Add(JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement.GetProperty("text").GetString()!);

        rendered.Should().HaveCount(60);
        foreach (var text in rendered)
            foreach (var value in studyValues)
                text.Should().NotContainEquivalentOf(value);
    }
}
