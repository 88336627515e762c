namespace Gateway.Tests.Browser;

/// <summary>
/// The unlock page as a recipient who mistypes, or who holds a dead link, meets it: wrong codes are counted down
/// on screen, and a locked shipment and an unknown link read exactly alike.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class UnlockPageTests(BrowserFixture browser) : IDisposable
{
    private readonly TempDirectory _dir = new("gw-unlock-");

    public void Dispose() => _dir.Dispose();

    [BrowserFact]
    public async Task Wrong_codes_show_the_attempts_left_and_at_the_limit_even_the_right_code_gets_the_neutral_message()
    {
        await using var session = await ViewerSession.StartAsync(browser, _dir.Path, Phantom.Write(Path.Combine(_dir.Path, "study"), 2),
            new Dictionary<string, string> { ["Shipments__MaxCodeAttempts"] = "3" });
        var wrong = session.Code[0] == 'A' ? "BBBB-BBBB" : "AAAA-AAAA";
        await session.OpenLinkAsync();

        foreach (var left in new[] { 2, 1 })
        {
            var before = await MessageAsync(session);
            await session.EnterCodeAsync(wrong);
            var message = await NewMessageAsync(session, before);
            message.Should().MatchRegex($@"\b{left}\b", "the page tells how many attempts are left");
        }
        var last = await MessageAsync(session);
        await session.EnterCodeAsync(wrong);
        var lockedByWrong = await NewMessageAsync(session, last);

        var answer = await session.Page.RunAndWaitForResponseAsync(() => session.EnterCodeAsync(), r => r.Url.EndsWith("/api/recipient/unlock", StringComparison.Ordinal));
        answer.Status.Should().Be(404, "the gateway refuses a locked shipment");
        await session.Page.WaitForFunctionAsync("() => { const t = document.querySelector('#message')?.innerText.trim(); return t && !/\\d/.test(t); }");
        (await session.Page.Locator("#overview").IsVisibleAsync()).Should().BeFalse("a locked shipment does not open with the right code");
        var locked = await MessageAsync(session);
        locked.Should().NotMatchRegex(@"\d", "the neutral message counts nothing");

        // A stranger's link (same key and code, unknown token) reads exactly like the locked one.
        var unknown = await NeutralMessageForUnknownTokenAsync(session);
        unknown.Should().Be(locked);
        lockedByWrong.Should().NotBeNullOrWhiteSpace();
        session.PageErrors.Should().BeEmpty();
    }

    [BrowserFact]
    public async Task An_unknown_link_gets_a_neutral_message_and_no_study()
    {
        await using var session = await ViewerSession.StartAsync(browser, _dir.Path, Phantom.Write(Path.Combine(_dir.Path, "study"), 1));
        var message = await NeutralMessageForUnknownTokenAsync(session);
        message.Should().NotBeNullOrWhiteSpace().And.NotMatchRegex(@"\d", "an unknown link does not say how many attempts are left");
        (await session.Page.Locator("#overview").IsVisibleAsync()).Should().BeFalse();
    }

    [BrowserFact]
    public async Task An_expired_link_gets_the_same_neutral_message_as_an_unknown_one_even_with_the_right_code()
    {
        await using var session = await ViewerSession.StartAsync(browser, _dir.Path, Phantom.Write(Path.Combine(_dir.Path, "study"), 1));
        // Expiry is counted in days on the real clock: the shipment is moved into the past as time would move it
        // (the sweeper's tests cover what happens after; here: what the recipient sees).
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={session.Gateway.DatabasePath};Pooling=False"))
        {
            await db.OpenAsync();
            using var command = db.CreateCommand();
            command.CommandText = "UPDATE shipments SET expires_at = 0";
            (await command.ExecuteNonQueryAsync()).Should().Be(1);
        }
        await session.OpenLinkAsync();
        var before = await MessageAsync(session);
        await session.EnterCodeAsync();
        var expired = await NewMessageAsync(session, before);
        (await session.Page.Locator("#overview").IsVisibleAsync()).Should().BeFalse("an expired shipment does not open");
        expired.Should().NotMatchRegex(@"\d");
        (await NeutralMessageForUnknownTokenAsync(session)).Should().Be(expired, "expired and unknown links cannot be told apart");
    }

    [BrowserFact]
    public async Task A_link_of_the_earlier_form_still_opens_the_study_and_the_address_bar_keeps_neither_its_token_nor_its_key()
    {
        await using var session = await ViewerSession.StartAsync(browser, _dir.Path, Phantom.Write(Path.Combine(_dir.Path, "study"), 1));
        var earlier = RecipientLinks.EarlierForm(session.Link);
        var (token, key) = RecipientLinks.Texts(session.Link);
        new Uri(earlier).AbsolutePath.Should().Contain(token, "the earlier form has T in its path");

        await session.OpenLinkAsync(earlier);
        await session.Page.WaitForFunctionAsync("() => location.pathname === '/s/' && location.hash === ''");
        await session.EnterCodeAsync();
        await session.Page.Locator("#overview").WaitForAsync();

        session.Page.Url.Should().NotContain(token).And.NotContain(key);
        session.Requests.Where(r => !r.Url.Contains("/s/" + token, StringComparison.Ordinal)).Should()
            .OnlyContain(r => !r.Url.Contains(token, StringComparison.Ordinal) && !r.Url.Contains(key, StringComparison.Ordinal),
                "after the page itself only request bodies carry T");
        session.PageErrors.Should().BeEmpty();
    }

    [BrowserFact]
    public async Task A_second_link_opened_in_the_same_tab_is_read_afresh()
    {
        await using var session = await ViewerSession.StartAsync(browser, _dir.Path, Phantom.Write(Path.Combine(_dir.Path, "study"), 1));
        await session.OpenLinkAsync(RecipientLinks.WithUnknownToken(session.Link));
        await session.Page.WaitForFunctionAsync("() => location.hash === ''");

        // Only the fragment differs from the page's "/s/": the page reloads with the new link and reads it.
        await session.Page.EvaluateAsync("link => { window.__firstLink = true; location.href = link; }", session.Link);
        await session.Page.WaitForFunctionAsync("() => window.__firstLink === undefined && document.readyState === 'complete' && location.hash === ''");
        new Uri(session.Page.Url).AbsolutePath.Should().Be("/s/");
        await session.EnterCodeAsync();
        await session.Page.Locator("#overview").WaitForAsync();
        session.PageErrors.Should().BeEmpty();
    }

    [BrowserFact]
    public async Task A_link_with_only_the_key_in_the_fragment_and_no_token_anywhere_is_a_broken_link()
    {
        await using var session = await ViewerSession.StartAsync(browser, _dir.Path, Phantom.Write(Path.Combine(_dir.Path, "study"), 1));
        var (_, key) = RecipientLinks.Texts(session.Link);

        await session.Page.GotoAsync(new Uri(session.Gateway.WebBase, "/s/#" + key).ToString());
        await session.Page.WaitForFunctionAsync("() => { const t = document.querySelector('#message')?.innerText.trim(); return !!t; }");
        (await session.Page.Locator("#code").IsDisabledAsync()).Should().BeTrue("without T the page cannot unlock anything");
        session.Requests.Should().NotContain(r => r.Url.Contains("/api/recipient/", StringComparison.Ordinal));
    }

    /// <summary>Opens the session's link with its token replaced by one that exists nowhere and enters the right code.</summary>
    private static async Task<string> NeutralMessageForUnknownTokenAsync(ViewerSession session)
    {
        await session.OpenLinkAsync(RecipientLinks.WithUnknownToken(session.Link));
        var before = await MessageAsync(session);
        await session.EnterCodeAsync();
        return await NewMessageAsync(session, before);
    }

    private static async Task<string> MessageAsync(ViewerSession session) =>
        await session.Page.Locator("#message").CountAsync() == 0 ? "" : (await session.Page.Locator("#message").InnerTextAsync()).Trim();

    /// <summary>
    /// Waits for the answer: <c>#message</c> shows text other than <paramref name="before"/> and the unlock button is
    /// usable again (while it is disabled the message is only the "unlocking" notice).
    /// </summary>
    private static async Task<string> NewMessageAsync(ViewerSession session, string before)
    {
        await session.Page.WaitForFunctionAsync(
            "b => { const m = document.querySelector('#message'); const t = m ? m.innerText.trim() : ''; const u = document.querySelector('#unlock'); return t !== '' && t !== b && u && !u.disabled; }", before);
        return await MessageAsync(session);
    }
}
