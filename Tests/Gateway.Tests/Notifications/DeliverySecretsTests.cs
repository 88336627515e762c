using System.Buffers.Text;
using DicomGateway.Crypto;
using DicomGateway.Notifications;

namespace Gateway.Tests.Notifications;

/// <summary>What a failed delivery's error text is scrubbed of: the link whole, and T and E each on its own, in either link form.</summary>
public class DeliverySecretsTests
{
    private static readonly byte[] Token = Enumerable.Range(0, 32).Select(i => (byte)(0x80 + i)).ToArray();
    private static readonly byte[] FragmentKey = Enumerable.Range(0, 32).Select(i => (byte)(0x40 + i)).ToArray();

    [Fact]
    public void T_and_E_are_each_scrubbed_from_a_link_of_either_form()
    {
        var link = RecipientLink.Format("https://share.example.org", Token, FragmentKey);
        var t = Base64Url.EncodeToString(Token);
        var e = Base64Url.EncodeToString(FragmentKey);

        foreach (var form in new[] { link, RecipientLinks.EarlierForm(link) })
        {
            var secrets = new DeliveryPayload { To = "doctor@clinic.test", Language = "en", Reference = "REF-1", Link = form, Code = "ABCDEFGH" }.Secrets().ToList();
            secrets.Should().Contain(form).And.Contain(t).And.Contain(e).And.Contain("ABCD-EFGH").And.NotContain(string.Empty);
        }
    }
}
