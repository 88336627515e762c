using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Administration;

/// <summary>
/// API keys: "dgw_" + base64url of 32 random bytes, sent as <c>Authorization: Bearer dgw_...</c>. The key is a
/// 256-bit random secret, so its SHA-256 is all that is stored and all that is needed to find it; a slow password
/// hash would add nothing but latency to every call.
/// </summary>
public static class ApiKeys
{
    public const string KeyPrefix = "dgw_";

    /// <summary>How much of a key is kept in clear to tell keys apart in lists ("dgw_" and 8 characters).</summary>
    public const int ShownPrefixLength = 12;

    private const int KeyBytes = 32;

    public static string NewKey() => KeyPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(KeyBytes));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string ShownPrefix(string key) => key[..ShownPrefixLength];

    /// <summary>True when <paramref name="value"/> has the shape of a key (checked before any database work).</summary>
    public static bool LooksLikeKey(string value) =>
        value.Length == KeyPrefix.Length + Base64Url.GetEncodedLength(KeyBytes) && value.StartsWith(KeyPrefix, StringComparison.Ordinal);
}

/// <summary>Authenticates a request by its API key; a revoked or unknown key fails (401), it never falls back to anonymous.</summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AccountStore accounts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AdminAuthentication.TryReadBearer(Request, out var key)) return AuthenticateResult.NoResult();
        if (!ApiKeys.LooksLikeKey(key)) return AuthenticateResult.Fail("malformed API key");
        var found = await accounts.UseApiKeyAsync(ApiKeys.Hash(key), Context.RequestAborted).ConfigureAwait(false);
        if (found is null) return AuthenticateResult.Fail("unknown or revoked API key");
        return AuthenticateResult.Success(new AuthenticationTicket(AdminClaims.ForApiKey(found, Scheme.Name), Scheme.Name));
    }
}
