using System.Buffers.Text;
using System.Text.RegularExpressions;
using DicomGateway.Crypto;

namespace Gateway.Tests.Support;

/// <summary>
/// Links as the tests find and alter them: read from an e-mail in either form, turned into the earlier form
/// (<c>/s/T#E</c>, which the gateway still honours), or given a token that no shipment has.
/// </summary>
public static partial class RecipientLinks
{
    /// <summary>A link in a text: <c>{base}/s/#T.E</c>, or <c>{base}/s/T#E</c> for the earlier form.</summary>
    [GeneratedRegex(@"https?://[^\s""<>]+/s/[A-Za-z0-9_-]*#[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)?")]
    public static partial Regex Pattern();

    /// <summary>T and E of <paramref name="link"/> in base64url, as the link carries them.</summary>
    public static (string Token, string FragmentKey) Texts(string link)
    {
        RecipientLink.TryParse(link, out var parsed).Should().BeTrue($"a well-formed link");
        return (Base64Url.EncodeToString(parsed!.Token), Base64Url.EncodeToString(parsed.FragmentKey));
    }

    /// <summary>The same link in the earlier form, T in the path.</summary>
    public static string EarlierForm(string link)
    {
        RecipientLink.TryParse(link, out var parsed).Should().BeTrue($"a well-formed link");
        return $"{parsed!.BaseUrl}/s/{Base64Url.EncodeToString(parsed.Token)}#{Base64Url.EncodeToString(parsed.FragmentKey)}";
    }

    /// <summary>The same link (same base and E) with a well-formed token that exists nowhere.</summary>
    public static string WithUnknownToken(string link)
    {
        RecipientLink.TryParse(link, out var parsed).Should().BeTrue($"a well-formed link");
        return RecipientLink.Format(parsed!.BaseUrl, new byte[ShipmentKeys.KeySize], parsed.FragmentKey);
    }
}
