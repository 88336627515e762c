using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Gateway.Tests.Browser.Admin;

/// <summary>
/// What a PACS administrator does in the console at /admin, in Chromium against the real gateway: signs in, makes a
/// routing rule, tries it on a DICOM file and on a held study before saving it, sends a study the rule matches, finds the shipment,
/// revokes it and reads the revocation in the audit trail. With DGW_SCREENSHOTS=1 it also saves a screenshot of
/// each main page as docs/screenshots/admin-*.png.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class AdminConsoleTests(BrowserFixture browser) : IDisposable
{
    private const string RuleName = "CT to the cardiology consultant";
    private const string Recipient = "dr.svoboda@example.org";
    private const string RevokeReason = "Sent to the wrong consultant";
    private readonly TempDirectory _dir = new("gw-admin-");

    public void Dispose() => _dir.Dispose();

    [BrowserFact]
    public async Task An_administrator_makes_a_rule_tries_it_ships_a_study_by_it_revokes_the_shipment_and_finds_that_in_the_audit_trail()
    {
        await using var console = await AdminConsole.StartAsync(browser, _dir.Path);
        var page = console.Page;

        // A study before any rule: the gateway holds it.
        await console.SendStudyAsync(Path.Combine(_dir.Path, "held"), "1.2.826.0.1.3680043.10.1234.801");

        // Sign in; a wrong password first.
        await console.OpenAsync();
        await page.Locator("input[name=username]").WaitForAsync();
        await console.ScreenshotAsync("sign-in");
        await console.SignInAsync(password: "not the password");
        await Expect(page.Locator("[data-testid=login-message]")).ToContainTextAsync("Wrong user name or password");
        await console.SignInAsync();
        await Expect(page.Locator("[data-testid=user-name]")).ToHaveTextAsync("Administrator");
        await Expect(page.Locator("[data-testid=user-role]")).ToHaveTextAsync("Administrator");
        await console.WaitForPageAsync("shipments");
        (await page.Locator("#nav a[data-route]").AllInnerTextsAsync()).Should().Equal(
            "Shipments", "Held studies", "Forwarding", "Rules", "Nodes", "Address book", "Statistics", "Audit", "Accounts & API keys", "Configuration");

        // A new rule: called AE title and modality, shipped to an address typed in.
        await console.GoToAsync("rules");
        await page.Locator("[data-testid=new-rule]").ClickAsync();
        await console.WaitForPageAsync("rules");
        await console.Field("name").FillAsync(RuleName);
        await page.Locator("[data-testid=add-condition]").First.ClickAsync();
        await console.Field("conditions[0].kind").SelectOptionAsync("calledAeTitle");
        await console.Field("conditions[0].value").FillAsync("DICOMGATEWAY");
        await page.Locator("[data-testid=add-condition]").First.ClickAsync();
        await console.Field("conditions[1].key").FillAsync("Modality");
        await console.Field("conditions[1].value").FillAsync("CT");
        await console.Field("actions[0].recipients[0].email").FillAsync("not an address");
        await console.Field("actions[0].recipients[0].phone").FillAsync("+420603000000");
        await console.Field("actions[0].recipients[0].language").SelectOptionAsync("en");

        // Validation shows at the field.
        await page.Locator("[data-testid=save-rule]").ClickAsync();
        await Expect(console.Field("actions[0].recipients[0].email")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("[data-testid=rule-editor] .field-error").First).ToContainTextAsync("e-mail");
        await console.Field("actions[0].recipients[0].email").FillAsync(Recipient);

        // The dry run evaluates the unsaved rule. A DICOM file came through no association: its modality matches,
        // but the called AE title cannot, so the study would be held.
        var sample = Phantom.Write(Path.Combine(_dir.Path, "sample"), 1, new Phantom.Uids("1.2.826.0.1.3680043.10.1234.803"))[0];
        await page.Locator("[data-testid=dry-run-file]").SetInputFilesAsync(sample);
        await page.Locator("[data-testid=run-dry-run]").ClickAsync();
        var result = page.Locator("[data-testid=dry-run-result]");
        await Expect(result.Locator(".disposition")).ToContainTextAsync("Held");
        var trace = result.Locator("[data-testid=dry-run-trace] > li", new LocatorLocatorOptions { HasText = RuleName });
        await Expect(trace).ToHaveAttributeAsync("data-matched", "false");
        await Expect(trace.Locator(".met")).ToHaveCountAsync(1);

        // Given the called AE title the study will come with, the rule matches and would ship it to the address.
        await page.Locator(".dry-run [data-field=calledAeTitle]").FillAsync("DICOMGATEWAY");
        await page.Locator("[data-testid=run-dry-run]").ClickAsync();
        await Expect(result.Locator(".disposition")).ToContainTextAsync("Actions apply");
        await Expect(trace).ToHaveAttributeAsync("data-matched", "true");
        await Expect(trace.Locator(".met")).ToHaveCountAsync(2);
        await Expect(result.Locator("[data-testid=dry-run-actions]")).ToContainTextAsync(Recipient);

        // The held study, as the gateway received it (through DICOMGATEWAY, a CT): the rule would ship it too.
        await page.Locator("[data-testid=dry-run-file]").SetInputFilesAsync(Array.Empty<string>());
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=dry-run-study] option')].some(o => o.value)");
        await page.Locator("[data-testid=run-dry-run]").ClickAsync();
        await Expect(result.Locator("[data-testid=dry-run-trace] > li", new LocatorLocatorOptions { HasText = RuleName })).ToHaveAttributeAsync("data-matched", "true");
        await Expect(result.Locator("[data-testid=dry-run-actions]")).ToContainTextAsync(Recipient);
        await console.ScreenshotAsync("rule-editor");

        // Saved, it is in the list, enabled.
        await page.Locator("[data-testid=save-rule]").ClickAsync();
        await console.WaitForPageAsync("rules");
        var row = page.Locator("[data-testid=rules-table] tbody tr", new PageLocatorOptions { HasText = RuleName });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("[data-testid=rule-enabled]")).ToBeCheckedAsync();
        await console.ScreenshotAsync("rules");

        // A study the rule matches becomes a shipment to the address.
        await console.SendStudyAsync(Path.Combine(_dir.Path, "shipped"), "1.2.826.0.1.3680043.10.1234.802");
        await console.Outboxes.WaitForNotificationAsync();

        // Found by its recipient on the shipments page.
        await console.GoToAsync("shipments");
        await page.Locator("input[name=recipient]").FillAsync(Recipient);
        await page.Locator("form.filters button[type=submit]").ClickAsync();
        var shipment = page.Locator("[data-testid=shipments-table] tbody tr");
        await Expect(shipment).ToHaveCountAsync(1);
        await Expect(shipment).ToContainTextAsync(RuleName);
        await Expect(shipment).ToContainTextAsync("Active");
        await console.ScreenshotAsync("shipments");
        var reference = (await shipment.GetAttributeAsync("data-reference"))!;
        await shipment.Locator("[data-testid=shipment-link]").ClickAsync();
        await console.WaitForPageAsync("shipments");
        await Expect(page.Locator("h1")).ToContainTextAsync(reference);
        var shipmentId = ShipmentIdPattern().Match(page.Url).Groups[1].Value;
        shipmentId.Should().NotBeEmpty();

        // Revoked with a reason, after confirming.
        await page.Locator("[data-testid=revoke]").ClickAsync();
        var dialog = page.Locator("dialog[open]");
        await dialog.Locator("[data-field=reason]").FillAsync(RevokeReason);
        await dialog.Locator("button[type=submit]").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.Locator("dl.summary")).ToContainTextAsync("Revoked");
        await Expect(page.Locator("[data-testid=revoke]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid=shipment-events]")).ToContainTextAsync(RevokeReason);
        await console.ScreenshotAsync("shipment", fullPage: true);

        // The audit trail has the revocation, by admin, with the reason.
        await console.GoToAsync("audit");
        await page.Locator("input[name=shipmentId]").FillAsync(shipmentId);
        await page.Locator("form.filters button[type=submit]").First.ClickAsync();
        var revocation = page.Locator("[data-testid=audit-table] tbody tr", new PageLocatorOptions { HasText = "shipment revoked" });
        await Expect(revocation).ToHaveCountAsync(1);
        await Expect(revocation).ToContainTextAsync(RevokeReason);
        await Expect(revocation).ToContainTextAsync("admin");
        await Expect(revocation).ToContainTextAsync("Delete");
        (await page.Locator("[data-testid=audit-export]").GetAttributeAsync("href")).Should().Be($"/api/audit/export.csv?shipmentId={shipmentId}",
            "the CSV export carries the filters");
        await page.Locator("input[name=shipmentId]").FillAsync("");
        await page.Locator("form.filters button[type=submit]").First.ClickAsync();
        await page.Locator("[data-testid=audit-table]").WaitForAsync();
        await console.ScreenshotAsync("audit");

        // A DICOM node (the gateway itself), answering C-ECHO.
        await console.GoToAsync("nodes");
        await Expect(page.Locator("[data-testid=anyone-can-send]")).ToContainTextAsync("Anyone on the network can send");
        await page.Locator(".page-header button", new PageLocatorOptions { HasText = "New node" }).ClickAsync();
        var nodeDialog = page.Locator("dialog[open]");
        await nodeDialog.Locator("[data-field=name]").FillAsync("This gateway (loopback)");
        await nodeDialog.Locator("[data-field=aeTitle]").FillAsync("DICOMGATEWAY");
        await nodeDialog.Locator("[data-field=host]").FillAsync("127.0.0.1");
        await nodeDialog.Locator("[data-field=port]").FillAsync(console.Gateway.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await nodeDialog.Locator("[data-field=forwardDestination]").CheckAsync();
        // A certificate thumbprint that is not SHA-256 is named beside its field; cleared, the node needs no certificate.
        await nodeDialog.Locator("[data-field=certificateThumbprint]").FillAsync("ab:cd:ef");
        await nodeDialog.Locator("button[type=submit]").ClickAsync();
        await Expect(nodeDialog.Locator(".field-error")).ToContainTextAsync("SHA-256 thumbprint");
        await nodeDialog.Locator("[data-field=certificateThumbprint]").FillAsync("");
        await nodeDialog.Locator("button[type=submit]").ClickAsync();
        await Expect(nodeDialog).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid=anyone-can-send]")).ToHaveCountAsync(0);
        var node = page.Locator("[data-testid=nodes-table] tbody tr", new PageLocatorOptions { HasText = "This gateway" });
        await node.Locator("[data-testid=echo]").ClickAsync();
        await Expect(node.Locator(".echo-result")).ToContainTextAsync("Echo succeeded");

        // A contact with the DICOM name a rule could look up.
        await console.GoToAsync("contacts");
        await page.Locator(".page-header button", new PageLocatorOptions { HasText = "New contact" }).ClickAsync();
        var contactDialog = page.Locator("dialog[open]");
        await contactDialog.Locator("[data-field=name]").FillAsync("Jan Novák");
        await contactDialog.Locator("[data-field=email]").FillAsync("jan.novak@example.org");
        await contactDialog.Locator("[data-field=phone]").FillAsync("+420603111222");
        await contactDialog.Locator("[data-field=language]").SelectOptionAsync("cs");
        await contactDialog.Locator("[data-field=organisation]").FillAsync("Cardiology");
        await contactDialog.Locator("[data-field=dicomNames]").FillAsync("Novak^Jan\nNOVAK^JAN^^MUDr.");
        await contactDialog.Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator("[data-testid=contacts-table] tbody tr", new PageLocatorOptions { HasText = "Novak^Jan" })).ToHaveCountAsync(1);

        // An API key, shown once.
        await console.GoToAsync("accounts");
        await page.Locator(".page-header button", new PageLocatorOptions { HasText = "New API key" }).ClickAsync();
        await page.Locator("dialog[open] [data-field=name]").FillAsync("HIS integration");
        await page.Locator("dialog[open] button[type=submit]").ClickAsync();
        (await page.Locator("dialog[open] [data-testid=secret]").InnerTextAsync()).Should().StartWith("dgw_");
        await page.Locator("dialog[open] button", new PageLocatorOptions { HasText = "Close" }).ClickAsync();
        await Expect(page.Locator("[data-testid=api-keys-table] tbody tr", new PageLocatorOptions { HasText = "HIS integration" })).ToHaveCountAsync(1);

        // Every other page opens without an error (and is photographed).
        foreach (var section in new[] { "held", "forwarding", "nodes", "contacts", "statistics", "accounts", "configuration" })
        {
            await console.GoToAsync(section);
            (await page.Locator(".page .error-box").CountAsync()).Should().Be(0, $"the {section} page loads: {await page.Locator(".page").InnerTextAsync()}");
            await console.ScreenshotAsync(section);
        }

        // On a phone: the navigation folds behind the menu button, and tables become cards.
        await console.GoToAsync("shipments");
        await page.SetViewportSizeAsync(390, 844);
        await Expect(page.Locator("#nav")).Not.ToBeInViewportAsync();
        await page.Locator("#nav-toggle").ClickAsync();
        await Expect(page.Locator("#nav a[data-route=audit]")).ToBeInViewportAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#nav")).Not.ToBeInViewportAsync();
        await Expect(page.Locator("#nav-toggle")).ToBeFocusedAsync();
        await console.ScreenshotAsync("phone");

        console.PageErrors.Should().BeEmpty();
    }

    [GeneratedRegex(@"/admin/shipments/(\d+)")]
    private static partial Regex ShipmentIdPattern();

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
