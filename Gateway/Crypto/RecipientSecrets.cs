using System.Security.Cryptography;

namespace DicomGateway.Crypto;

/// <summary>
/// Everything made for one recipient of a shipment. E and T go in the e-mailed link (<see cref="Link"/>), S goes by
/// SMS, and the server keeps only <see cref="TokenHash"/>, <see cref="ProofHash"/>, <see cref="WrappedKey"/> and
/// <see cref="ServerShare"/>. Dispose once they are handed over, to clear the byte arrays.
/// </summary>
public sealed class RecipientSecrets : IDisposable
{
    private RecipientSecrets(byte[] fragmentKey, string code, byte[] token, byte[] serverShare, byte[] wrappedKey)
    {
        FragmentKey = fragmentKey;
        Code = code;
        Token = token;
        ServerShare = serverShare;
        TokenHash = ShipmentKeys.TokenHash(token);
        var proof = ShipmentKeys.DeriveUnlockProof(fragmentKey, code, token);
        ProofHash = ShipmentKeys.ProofHash(proof);
        CryptographicOperations.ZeroMemory(proof);
        WrappedKey = wrappedKey;
    }

    /// <summary>E: 32 bytes, only ever in the link's fragment (which browsers do not send to the server).</summary>
    public byte[] FragmentKey { get; }

    /// <summary>S: the SMS code, normalised (8 Crockford base32 characters).</summary>
    public string Code { get; }

    /// <summary>S as shown to a person: ABCD-EFGH.</summary>
    public string DisplayCode => ShipmentKeys.FormatCode(Code);

    /// <summary>T: 32 bytes, the lookup token in the link's fragment, sent by the page in request bodies only.</summary>
    public byte[] Token { get; }

    /// <summary>Ks: 32 bytes the server keeps and erases at expiry.</summary>
    public byte[] ServerShare { get; }

    /// <summary>SHA-256(T), the server's lookup key.</summary>
    public byte[] TokenHash { get; }

    /// <summary>SHA-256(P), against which the server checks a presented proof.</summary>
    public byte[] ProofHash { get; }

    /// <summary>DK wrapped under the KEK of E, S, T and Ks (60 bytes).</summary>
    public byte[] WrappedKey { get; }

    /// <summary>New random E, S, T and Ks for a recipient of the shipment whose data key is <paramref name="dataKey"/>.</summary>
    public static RecipientSecrets Create(ReadOnlySpan<byte> dataKey)
    {
        var fragmentKey = RandomNumberGenerator.GetBytes(ShipmentKeys.KeySize);
        var code = ShipmentKeys.NewCode();
        var token = RandomNumberGenerator.GetBytes(ShipmentKeys.KeySize);
        var serverShare = RandomNumberGenerator.GetBytes(ShipmentKeys.KeySize);
        return new RecipientSecrets(fragmentKey, code, token, serverShare,
            ShipmentKeys.WrapDataKey(dataKey, fragmentKey, code, token, serverShare));
    }

    /// <summary>With every random value given, for the published test vectors only.</summary>
    internal static RecipientSecrets Create(ReadOnlySpan<byte> dataKey, byte[] fragmentKey, string code, byte[] token, byte[] serverShare,
        ReadOnlySpan<byte> wrapNonce)
    {
        var normalized = ShipmentKeys.NormalizeCode(code) ?? throw new ArgumentException("Not a valid code", nameof(code));
        return new RecipientSecrets(fragmentKey, normalized, token, serverShare,
            ShipmentKeys.WrapDataKey(dataKey, fragmentKey, normalized, token, serverShare, wrapNonce));
    }

    /// <summary>The link to e-mail: <c>{baseUrl}/s/#{T base64url}.{E base64url}</c>, nothing secret in its path.</summary>
    public string Link(string baseUrl) => RecipientLink.Format(baseUrl, Token, FragmentKey);

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(FragmentKey);
        CryptographicOperations.ZeroMemory(Token);
        CryptographicOperations.ZeroMemory(ServerShare);
    }
}
