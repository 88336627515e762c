using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace DicomGateway.Crypto;

/// <summary>
/// The link a recipient receives: <c>{base}/s/{T}#{E}</c>, both base64url without padding. The token T is in the
/// path, so the server sees it; the fragment key E is in the fragment, which browsers never send.
/// </summary>
public sealed class RecipientLink
{
    private const string PathMarker = "/s/";
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
        return $"{trimmed}{PathMarker}{Base64Url.EncodeToString(token)}#{Base64Url.EncodeToString(fragmentKey)}";
    }

    /// <summary>Reads a link back; false unless it has the exact shape <see cref="Format"/> produces.</summary>
    public static bool TryParse(string? link, [NotNullWhen(true)] out RecipientLink? parsed)
    {
        parsed = null;
        if (link is null) return false;
        var hash = link.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0) return false;
        var path = link.AsSpan(0, hash);
        var marker = path.LastIndexOf(PathMarker, StringComparison.Ordinal);
        if (marker <= 0) return false;
        if (!TryDecodeKey(path[(marker + PathMarker.Length)..], out var token) || !TryDecodeKey(link.AsSpan(hash + 1), out var fragmentKey)) return false;
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
