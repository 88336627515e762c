using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace DicomGateway.Crypto;

/// <summary>
/// The link a recipient receives: <c>{base}/s/#{T}.{E}</c>, both base64url without padding. T and E are both in the
/// fragment, which browsers never send, so no request line (and so no access log of the gateway or of a proxy in
/// front of it) carries either; the page sends T in the body of its API requests. Links of the earlier form
/// <c>{base}/s/{T}#{E}</c> are still read, so those already e-mailed keep working until their shipments expire.
/// </summary>
public sealed class RecipientLink
{
    private const string PathMarker = "/s/";

    /// <summary>Separates T from E in the fragment; never a base64url character.</summary>
    private const char Separator = '.';

    private const int EncodedKeyLength = 43; // 32 bytes in base64url without padding

    private RecipientLink(string baseUrl, byte[] token, byte[] fragmentKey)
    {
        BaseUrl = baseUrl;
        Token = token;
        FragmentKey = fragmentKey;
    }

    /// <summary>Everything before "/s/", without a trailing slash.</summary>
    public string BaseUrl { get; }

    /// <summary>T.</summary>
    public byte[] Token { get; }

    /// <summary>E.</summary>
    public byte[] FragmentKey { get; }

    /// <param name="baseUrl">The gateway's public address, e.g. https://share.example.org (a trailing slash is dropped).</param>
    public static string Format(string baseUrl, ReadOnlySpan<byte> token, ReadOnlySpan<byte> fragmentKey)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ShipmentKeys.CheckKeyLength(token, nameof(token));
        ShipmentKeys.CheckKeyLength(fragmentKey, nameof(fragmentKey));
        var trimmed = baseUrl.TrimEnd('/');
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || trimmed.Contains('#') || trimmed.Contains('?'))
            throw new ArgumentException("The base must be an absolute http(s) address without query or fragment", nameof(baseUrl));
        return $"{trimmed}{PathMarker}#{Base64Url.EncodeToString(token)}{Separator}{Base64Url.EncodeToString(fragmentKey)}";
    }

    /// <summary>
    /// Reads a link back: the form <see cref="Format"/> writes, <c>{base}/s/#{T}.{E}</c>, or the earlier
    /// <c>{base}/s/{T}#{E}</c>; false for anything else (a missing part, a wrong length, padding, a stray character).
    /// </summary>
    public static bool TryParse(string? link, [NotNullWhen(true)] out RecipientLink? parsed)
    {
        parsed = null;
        if (link is null) return false;
        var hash = link.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0) return false;
        var path = link.AsSpan(0, hash);
        var fragment = link.AsSpan(hash + 1);
        var marker = path.LastIndexOf(PathMarker, StringComparison.Ordinal);
        if (marker <= 0) return false;
        var pathToken = path[(marker + PathMarker.Length)..];

        byte[]? token, fragmentKey;
        if (pathToken.IsEmpty)
        {
            var separator = fragment.IndexOf(Separator);
            if (separator < 0 || !TryDecodeKey(fragment[..separator], out token) || !TryDecodeKey(fragment[(separator + 1)..], out fragmentKey)) return false;
        }
        else if (!TryDecodeKey(pathToken, out token) || !TryDecodeKey(fragment, out fragmentKey))
        {
            return false;
        }
        parsed = new RecipientLink(link[..marker], token, fragmentKey);
        return true;
    }

    private static bool TryDecodeKey(ReadOnlySpan<char> text, [NotNullWhen(true)] out byte[]? key)
    {
        key = null;
        if (text.Length != EncodedKeyLength) return false;
        var bytes = new byte[ShipmentKeys.KeySize];
        // Re-encoding rejects padding, foreign characters and non-canonical final characters alike.
        if (!Base64Url.IsValid(text, out var length) || length != bytes.Length) return false;
        Base64Url.DecodeFromChars(text, bytes);
        if (!text.SequenceEqual(Base64Url.EncodeToString(bytes))) return false;
        key = bytes;
        return true;
    }
}
