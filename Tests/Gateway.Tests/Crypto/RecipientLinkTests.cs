using System.Buffers.Text;
using DicomGateway.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>
/// The e-mailed link: T and E both in the fragment (<c>/s/#T.E</c>), links of the earlier form (<c>/s/T#E</c>) still
/// read, and anything else refused.
/// </summary>
public class RecipientLinkTests
{
    private static readonly byte[] Token = Enumerable.Range(0, 32).Select(i => (byte)(0x80 + i)).ToArray();
    private static readonly byte[] FragmentKey = Enumerable.Range(0, 32).Select(i => (byte)(0x40 + i)).ToArray();
    private static readonly string T = Base64Url.EncodeToString(Token);
    private static readonly string E = Base64Url.EncodeToString(FragmentKey);

    [Fact]
    public void A_link_keeps_T_and_E_out_of_its_path_and_query()
    {
        var link = RecipientLink.Format("https://share.example.org/gateway/", Token, FragmentKey);

        link.Should().Be($"https://share.example.org/gateway/s/#{T}.{E}");
        var uri = new Uri(link);
        uri.AbsolutePath.Should().Be("/gateway/s/");
        uri.Query.Should().BeEmpty();
        RecipientLink.TryParse(link, out var parsed).Should().BeTrue();
        parsed!.BaseUrl.Should().Be("https://share.example.org/gateway");
        parsed.Token.Should().Equal(Token);
        parsed.FragmentKey.Should().Equal(FragmentKey);
    }

    [Fact]
    public void A_link_of_the_earlier_form_with_T_in_the_path_still_parses()
    {
        RecipientLink.TryParse($"https://share.example.org/s/{T}#{E}", out var parsed).Should().BeTrue();

        parsed!.BaseUrl.Should().Be("https://share.example.org");
        parsed.Token.Should().Equal(Token);
        parsed.FragmentKey.Should().Equal(FragmentKey);
    }

    public static TheoryData<string, string?> MalformedLinks
    {
        get
        {
            var b = "https://share.example.org";
            return new()
            {
                { "nothing", null },
                { "empty", "" },
                { "no fragment", $"{b}/s/" },
                { "no fragment, earlier form", $"{b}/s/{T}" },
                { "no base", $"/s/#{T}.{E}" },
                { "no base, earlier form", $"/s/{T}#{E}" },
                { "another path", $"{b}/x/#{T}.{E}" },
                { "upper-case path", $"{b}/S/#{T}.{E}" },
                { "no separator", $"{b}/s/#{T}{E}" },
                { "T missing", $"{b}/s/#.{E}" },
                { "E missing", $"{b}/s/#{T}." },
                { "only T", $"{b}/s/#{T}" },
                { "T one character short", $"{b}/s/#{T[1..]}.{E}" },
                { "E one character long", $"{b}/s/#{T}.{E}A" },
                { "T padded", $"{b}/s/#{T}=.{E}" },
                { "E padded", $"{b}/s/#{T}.{E}=" },
                { "a second separator", $"{b}/s/#{T}.{E}.{E}" },
                { "a trailing space", $"{b}/s/#{T}.{E} " },
                { "standard base64 characters", $"{b}/s/#{T[..^1]}+.{E}" },
                { "a non-canonical final character", $"{b}/s/#{T[..^1]}{(char)(T[^1] + 1)}.{E}" },
                { "a second fragment marker", $"{b}/s/#{T}#{E}" },
                { "a query", $"{b}/s/?x#{T}.{E}" },
                { "both forms at once", $"{b}/s/{T}#{T}.{E}" },
                { "earlier form, E short", $"{b}/s/{T}#{E[1..]}" },
                { "earlier form, T padded", $"{b}/s/{T}=#{E}" },
                { "earlier form, a slash after T", $"{b}/s/{T}/#{E}" },
            };
        }
    }

    [Theory]
    [MemberData(nameof(MalformedLinks))]
    public void Malformed_links_do_not_parse(string what, string? link)
    {
        RecipientLink.TryParse(link, out var parsed).Should().BeFalse(what);
        parsed.Should().BeNull();
    }
}
