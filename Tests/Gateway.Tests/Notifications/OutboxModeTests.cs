using DicomGateway.Notifications;

namespace Gateway.Tests.Notifications;

/// <summary>
/// Outbox mode writes links and codes in clear: an https deployment (a real one) may not run with it unless
/// Notifications:AllowOutboxWithSecrets says so. Through the real executable, and the rule itself over its inputs.
/// </summary>
public sealed class OutboxModeTests
{
    private const string Https = "https://gateway.hospital.test";

    [Fact]
    public async Task An_https_deployment_with_the_outboxes_refuses_to_start_and_says_why_and_which_settings()
    {
        var (exitCode, output) = await GatewayProcess.StartExpectingExitAsync(args: ["--Web:PublicBaseUrl", Https]);

        exitCode.Should().NotBe(0);
        output.Should().Contain("Notifications:AllowOutboxWithSecrets")
            .And.Contain("Web:PublicBaseUrl is https")
            .And.Contain("Mail:Host is empty")
            .And.Contain("Sms:Provider is Outbox")
            .And.Contain("links and codes in clear");
    }

    [Fact]
    public async Task An_https_deployment_with_the_outboxes_starts_when_the_administrator_allows_it()
    {
        await using var gw = await GatewayProcess.StartAsync(args: ["--Web:PublicBaseUrl", Https, "--Notifications:AllowOutboxWithSecrets", "true"]);

        gw.Output.Should().NotContain("AllowOutboxWithSecrets");
    }

    [Fact]
    public async Task An_http_deployment_with_the_outboxes_starts_as_a_trial_installation()
    {
        await using var gw = await GatewayProcess.StartAsync(args: ["--Web:PublicBaseUrl", "http://localhost:8080", "--Mail:Host", "", "--Sms:Provider", "Outbox"]);

        gw.Output.Should().NotContain("AllowOutboxWithSecrets");
    }

    public static TheoryData<string, string, SmsProvider, bool, string[]> Cases() => new()
    {
        // base URL, Mail:Host, Sms:Provider, allowed, what the refusal names (none: the start goes on)
        { Https, "", SmsProvider.Outbox, false, ["Mail:Host is empty", "Sms:Provider is Outbox"] },
        { Https, "", SmsProvider.Webhook, false, ["Mail:Host is empty"] },
        { Https, "smtp.hospital.test", SmsProvider.Outbox, false, ["Sms:Provider is Outbox"] },
        { "HTTPS://GATEWAY.HOSPITAL.TEST/", "", SmsProvider.Outbox, false, ["Mail:Host is empty"] },
        { Https, "   ", SmsProvider.Webhook, false, ["Mail:Host is empty"] },
        { Https, "smtp.hospital.test", SmsProvider.Webhook, false, [] },
        { Https, "", SmsProvider.Outbox, true, [] },
        { "http://gateway.hospital.test", "", SmsProvider.Outbox, false, [] },
        // Not a URL at all: Web:PublicBaseUrl's own validation reports it; this rule does not guess.
        { "not a url", "", SmsProvider.Outbox, false, [] },
        { "", "", SmsProvider.Outbox, false, [] },
        { "ftp://gateway.hospital.test", "", SmsProvider.Outbox, false, [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_rule_refuses_exactly_an_https_address_with_an_outbox_in_effect_and_no_permission(string baseUrl, string mailHost, SmsProvider sms, bool allowed,
        string[] named)
    {
        var problem = OutboxModeGuard.Problem(allowed, baseUrl, new MailOptions { Host = mailHost }, new SmsOptions { Provider = sms });

        if (named.Length == 0)
        {
            problem.Should().BeNull();
            return;
        }
        problem.Should().NotBeNull().And.Contain("Notifications:AllowOutboxWithSecrets").And.Contain("in clear");
        foreach (var n in named) problem.Should().Contain(n);
        problem.Should().NotContain("gateway.hospital.test", "the message names settings, not their values");
    }
}
