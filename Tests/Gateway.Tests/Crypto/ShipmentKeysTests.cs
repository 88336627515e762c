using DicomGateway.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>A recipient opens a shipment only with the link (E, T), the SMS code (S) and the server share (Ks) together.</summary>
public class ShipmentKeysTests
{
    private static byte[] Flip(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        copy[5] ^= 0x20;
        return copy;
    }

    private static string OtherCode(string code) => (code[0] == '7' ? "8" : "7") + code[1..];

    [Fact]
    public void A_recipient_with_the_link_the_code_and_the_server_share_unwraps_the_data_key()
    {
        var dataKey = ShipmentKeys.NewDataKey();
        using var secrets = RecipientSecrets.Create(dataKey);

        var link = secrets.Link("https://share.example.org/");
        RecipientLink.TryParse(link, out var parsed).Should().BeTrue();
        var typed = secrets.DisplayCode.ToLowerInvariant();
        var proof = ShipmentKeys.DeriveUnlockProof(parsed!.FragmentKey, typed, parsed.Token);

        ShipmentKeys.TokenHash(parsed.Token).Should().Equal(secrets.TokenHash);
        ShipmentKeys.VerifyProof(proof, secrets.ProofHash).Should().BeTrue();
        ShipmentKeys.UnwrapDataKey(secrets.WrappedKey, parsed.FragmentKey, typed, parsed.Token, secrets.ServerShare).Should().Equal(dataKey);
        secrets.WrappedKey.Should().HaveCount(ShipmentKeys.WrappedKeySize);
    }

    [Fact]
    public void A_wrong_fragment_key_neither_proves_nor_unwraps()
    {
        using var secrets = RecipientSecrets.Create(ShipmentKeys.NewDataKey());
        var wrongE = Flip(secrets.FragmentKey);

        ShipmentKeys.VerifyProof(ShipmentKeys.DeriveUnlockProof(wrongE, secrets.Code, secrets.Token), secrets.ProofHash).Should().BeFalse();
        var unwrap = () => ShipmentKeys.UnwrapDataKey(secrets.WrappedKey, wrongE, secrets.Code, secrets.Token, secrets.ServerShare);
        unwrap.Should().Throw<ShipmentIntegrityException>();
    }

    [Fact]
    public void A_wrong_code_neither_proves_nor_unwraps()
    {
        using var secrets = RecipientSecrets.Create(ShipmentKeys.NewDataKey());
        var wrongS = OtherCode(secrets.Code);

        ShipmentKeys.VerifyProof(ShipmentKeys.DeriveUnlockProof(secrets.FragmentKey, wrongS, secrets.Token), secrets.ProofHash).Should().BeFalse();
        var unwrap = () => ShipmentKeys.UnwrapDataKey(secrets.WrappedKey, secrets.FragmentKey, wrongS, secrets.Token, secrets.ServerShare);
        unwrap.Should().Throw<ShipmentIntegrityException>();
    }

    [Fact]
    public void A_wrong_token_neither_proves_nor_unwraps()
    {
        using var secrets = RecipientSecrets.Create(ShipmentKeys.NewDataKey());
        var wrongT = Flip(secrets.Token);

        ShipmentKeys.VerifyProof(ShipmentKeys.DeriveUnlockProof(secrets.FragmentKey, secrets.Code, wrongT), secrets.ProofHash).Should().BeFalse();
        var unwrap = () => ShipmentKeys.UnwrapDataKey(secrets.WrappedKey, secrets.FragmentKey, secrets.Code, wrongT, secrets.ServerShare);
        unwrap.Should().Throw<ShipmentIntegrityException>();
    }

    [Fact]
    public void An_erased_or_wrong_server_share_makes_the_data_key_unrecoverable_even_with_link_and_code()
    {
        using var secrets = RecipientSecrets.Create(ShipmentKeys.NewDataKey());

        var unwrap = () => ShipmentKeys.UnwrapDataKey(secrets.WrappedKey, secrets.FragmentKey, secrets.Code, secrets.Token, Flip(secrets.ServerShare));

        unwrap.Should().Throw<ShipmentIntegrityException>();
    }

    [Fact]
    public void A_changed_wrapped_key_does_not_unwrap()
    {
        using var secrets = RecipientSecrets.Create(ShipmentKeys.NewDataKey());

        var unwrap = () => ShipmentKeys.UnwrapDataKey(Flip(secrets.WrappedKey), secrets.FragmentKey, secrets.Code, secrets.Token, secrets.ServerShare);
        var truncated = () => ShipmentKeys.UnwrapDataKey(secrets.WrappedKey[..^1], secrets.FragmentKey, secrets.Code, secrets.Token, secrets.ServerShare);

        unwrap.Should().Throw<ShipmentIntegrityException>();
        truncated.Should().Throw<ShipmentIntegrityException>();
    }

    [Fact]
    public void A_proof_of_the_wrong_length_or_against_a_malformed_hash_is_refused()
    {
        using var secrets = RecipientSecrets.Create(ShipmentKeys.NewDataKey());
        var proof = ShipmentKeys.DeriveUnlockProof(secrets.FragmentKey, secrets.Code, secrets.Token);

        ShipmentKeys.VerifyProof(proof[..31], secrets.ProofHash).Should().BeFalse();
        ShipmentKeys.VerifyProof(proof, secrets.ProofHash[..31]).Should().BeFalse();
        ShipmentKeys.VerifyProof([], []).Should().BeFalse();
    }

    [Fact]
    public void Each_recipient_gets_fresh_secrets_and_a_wrap_nonce_of_its_own()
    {
        var dataKey = ShipmentKeys.NewDataKey();
        using var first = RecipientSecrets.Create(dataKey);
        using var second = RecipientSecrets.Create(dataKey);

        first.FragmentKey.Should().NotEqual(second.FragmentKey);
        first.Token.Should().NotEqual(second.Token);
        first.ServerShare.Should().NotEqual(second.ServerShare);
        first.WrappedKey.Should().NotEqual(second.WrappedKey);
    }

    [Fact]
    public void New_codes_are_eight_characters_of_the_Crockford_alphabet_and_normalise_to_themselves()
    {
        var codes = Enumerable.Range(0, 500).Select(_ => ShipmentKeys.NewCode()).ToList();

        codes.Should().OnlyContain(c => c.Length == 8 && c.All(ch => ShipmentKeys.CodeAlphabet.Contains(ch)));
        codes.Should().OnlyContain(c => ShipmentKeys.NormalizeCode(c) == c);
        codes.Distinct().Should().HaveCountGreaterThan(495);
        string.Concat(codes).Distinct().Should().HaveCount(32, "every symbol of the alphabet appears in 4000 random characters");
    }

    [Theory]
    [InlineData("ABCDEFGH", "ABCDEFGH")]
    [InlineData("abcdefgh", "ABCDEFGH")]
    [InlineData("ABCD-EFGH", "ABCDEFGH")]
    [InlineData(" abcd efgh ", "ABCDEFGH")]
    [InlineData("A-B-C-D-E-F-G-H", "ABCDEFGH")]
    [InlineData("iLoI-0lo1", "11010101")]
    [InlineData("IOLJ-KMNP", "101JKMNP")]
    [InlineData("2345-6789", "23456789")]
    [InlineData("VWXY-Z0TS", "VWXYZ0TS")]
    public void Typed_codes_normalise_as_Crockford_reads_them(string typed, string normalized)
    {
        ShipmentKeys.NormalizeCode(typed).Should().Be(normalized);
    }

    [Theory]
    [InlineData("ABCDEFGU")]
    [InlineData("UUUUUUUU")]
    [InlineData("ABCDEFG")]
    [InlineData("ABCDEFGHJ")]
    [InlineData("ABCD_EFGH")]
    [InlineData("ABCD.EFGH")]
    [InlineData("ABCDEFG\u00C9")]
    [InlineData("ABCDEFG\u0131")]
    [InlineData("")]
    [InlineData("--------")]
    [InlineData(null)]
    public void Codes_with_U_foreign_characters_or_the_wrong_length_are_refused(string? typed)
    {
        ShipmentKeys.NormalizeCode(typed).Should().BeNull();
    }

    [Fact]
    public void A_code_is_displayed_with_a_hyphen_in_the_middle()
    {
        ShipmentKeys.FormatCode("abcdefgh").Should().Be("ABCD-EFGH");
    }

    [Fact]
    public void A_link_formats_and_parses_back_and_keeps_E_only_in_the_fragment()
    {
        var token = Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray();
        var fragmentKey = Enumerable.Range(0, 32).Select(i => (byte)(i * 3)).ToArray();

        var link = RecipientLink.Format("https://share.example.org/gateway/", token, fragmentKey);

        link.Should().StartWith("https://share.example.org/gateway/s/").And.NotContain("=").And.NotContain("+").And.NotContain("/s//");
        link[..link.IndexOf('#', StringComparison.Ordinal)].Should().NotContain(System.Buffers.Text.Base64Url.EncodeToString(fragmentKey));
        RecipientLink.TryParse(link, out var parsed).Should().BeTrue();
        parsed!.BaseUrl.Should().Be("https://share.example.org/gateway");
        parsed.Token.Should().Equal(token);
        parsed.FragmentKey.Should().Equal(fragmentKey);
    }

    [Theory]
    [InlineData("https://share.example.org/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("https://share.example.org/x/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("https://share.example.org/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("https://share.example.org/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("https://share.example.org/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("https://share.example.org/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Malformed_links_do_not_parse(string link)
    {
        RecipientLink.TryParse(link, out _).Should().BeFalse();
    }

    [Fact]
    public void A_link_base_with_a_query_or_fragment_or_not_http_is_refused()
    {
        var key = new byte[32];

        ((Action)(() => RecipientLink.Format("https://x.example/?a=1", key, key))).Should().Throw<ArgumentException>();
        ((Action)(() => RecipientLink.Format("ftp://x.example", key, key))).Should().Throw<ArgumentException>();
        ((Action)(() => RecipientLink.Format("share.example.org", key, key))).Should().Throw<ArgumentException>();
    }
}
