using Microsoft.Playwright;

namespace Gateway.Tests.Browser.Admin;

/// <summary>
/// Accounts made in the console: the one-time password shown once, the forced password change at the first
/// sign-in, and navigation and buttons that follow the role (an operator views and resends, an auditor reads the
/// audit trail only).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminRolesTests(BrowserFixture browser) : IDisposable
{
    private const string NewPassword = "a-long-enough-password-of-their-own";
    private readonly TempDirectory _dir = new("gw-admin-roles-");

    public void Dispose() => _dir.Dispose();

    [BrowserFact]
    public async Task An_operator_and_an_auditor_change_their_one_time_password_and_see_only_what_their_role_allows()
    {
        await using var console = await AdminConsole.StartAsync(browser, _dir.Path);
        var page = console.Page;
        await console.OpenAsync();
        await console.SignInAsync();
        await console.WaitForPageAsync("shipments");

        var operatorPassword = await CreateAccountAsync(console, "operator1", "operator");
        var auditorPassword = await CreateAccountAsync(console, "auditor1", "auditor");
        (await page.Locator("[data-testid=secret]").CountAsync()).Should().Be(0, "the one-time password is gone with its dialog");
        var stored = await page.EvaluateAsync<string>("() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })");
        stored.Should().NotContain(operatorPassword).And.NotContain(auditorPassword);

        // The operator: a new password first, then every view but no editing.
        await SignOutAsync(console);
        await console.SignInAsync("operator1", operatorPassword);
        await ChangeOneTimePasswordAsync(console, operatorPassword);
        await console.WaitForPageAsync("shipments");
        await Expect(page.Locator("[data-testid=user-role]")).ToHaveTextAsync("Operator");
        (await page.Locator("#nav a[data-route]").AllInnerTextsAsync()).Should().Equal(
            "Shipments", "Held studies", "Forwarding", "Rules", "Nodes", "Address book", "Statistics", "Configuration");
        await console.GoToAsync("rules");
        (await page.Locator("[data-testid=new-rule]").CountAsync()).Should().Be(0, "an operator does not make rules");

        // In Czech, as the switch in the top bar says, and back.
        await page.Locator("#lang").SelectOptionAsync("cs");
        await Expect(page.Locator("#nav a[data-route=shipments]")).ToHaveTextAsync("Zásilky");
        await Expect(page.Locator(".page h1")).ToHaveTextAsync("Směrovací pravidla");
        await Expect(page.Locator("[data-testid=user-role]")).ToHaveTextAsync("Operátor");
        (await page.EvaluateAsync<string>("() => document.documentElement.lang")).Should().Be("cs");
        await page.Locator("#lang").SelectOptionAsync("en");
        await Expect(page.Locator("#nav a[data-route=shipments]")).ToHaveTextAsync("Shipments");
        await console.GoToAsync("nodes");
        (await page.Locator(".page-actions button").CountAsync()).Should().Be(0, "an operator does not add nodes");

        // The auditor: the audit trail only, even when asking for another page by its address.
        await SignOutAsync(console);
        await console.SignInAsync("auditor1", auditorPassword);
        await ChangeOneTimePasswordAsync(console, auditorPassword);
        await console.WaitForPageAsync("audit");
        (await page.Locator("#nav a[data-route]").AllInnerTextsAsync()).Should().Equal("Audit");
        await console.OpenAsync("rules");
        await console.WaitForPageAsync("audit");
        page.Url.Should().EndWith("/admin/audit");

        // The disclosure lookup keeps the patient ID out of the address and the browser's storage.
        const string patientId = "PAT-DISCLOSURE-4711";
        await page.Locator("[data-testid=disclosure-patient-id]").FillAsync(patientId);
        await page.Locator("[data-testid=disclosure-patient-id]").PressAsync("Enter");
        await Expect(page.Locator(".panel .results")).ToContainTextAsync("No disclosure");
        page.Url.Should().NotContain(patientId);
        (await page.EvaluateAsync<string>("() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href"))
            .Should().NotContain(patientId);

        console.PageErrors.Should().BeEmpty();
    }

    /// <summary>Creates an account with one role on the accounts page; returns the one-time password it showed.</summary>
    private static async Task<string> CreateAccountAsync(AdminConsole console, string username, string role)
    {
        var page = console.Page;
        await console.GoToAsync("accounts");
        await page.Locator(".page-header button", new PageLocatorOptions { HasText = "New account" }).ClickAsync();
        var dialog = page.Locator("dialog[open]");
        await dialog.Locator("[data-field=username]").FillAsync(username);
        await dialog.Locator("[data-field=displayName]").FillAsync("Test " + username);
        foreach (var box in await dialog.Locator("[data-field=roles] input[type=checkbox]").AllAsync())
            await box.SetCheckedAsync(await box.GetAttributeAsync("value") == role);
        await dialog.Locator("button[type=submit]").ClickAsync();
        var secret = page.Locator("dialog[open] [data-testid=secret]");
        var password = (await secret.InnerTextAsync()).Trim();
        password.Should().NotBeEmpty();
        await page.Locator("dialog[open] button[type=button]", new PageLocatorOptions { HasText = "Close" }).ClickAsync();
        await Expect(page.Locator("[data-testid=accounts-table] tbody tr", new PageLocatorOptions { HasText = username })).ToHaveCountAsync(1);
        return password;
    }

    private static async Task SignOutAsync(AdminConsole console)
    {
        await console.Page.Locator("#sign-out").ClickAsync();
        await console.Page.Locator("input[name=username]").WaitForAsync();
    }

    private static async Task ChangeOneTimePasswordAsync(AdminConsole console, string oneTimePassword)
    {
        var form = console.Page.Locator("[data-testid=forced-password-change]");
        await form.Locator("[data-field=currentPassword]").FillAsync(oneTimePassword);
        await form.Locator("[data-field=newPassword]").FillAsync(NewPassword);
        await form.Locator("[data-field=confirmPassword]").FillAsync(NewPassword + "x");
        await form.Locator("button[type=submit]").ClickAsync();
        await Expect(form.Locator(".field-error")).ToContainTextAsync("differ");
        await form.Locator("[data-field=confirmPassword]").FillAsync(NewPassword);
        await form.Locator("button[type=submit]").ClickAsync();
        await Expect(form).ToHaveCountAsync(0);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
