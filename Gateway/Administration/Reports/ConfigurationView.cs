using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace DicomGateway.Administration;

/// <summary>
/// The effective settings that are not routing (appsettings.json with environment and command-line overrides), for
/// the read-only configuration page. Secrets are replaced by "***": passwords, client secrets, tokens, key material
/// (Shipments:GatewayKey), every SMS webhook header (they carry provider credentials), and the user info and query
/// of any URL (where providers put tokens). A secret that is not set shows as empty, so "not configured" is visible.
/// </summary>
public static partial class ConfigurationView
{
    public const string Mask = "***";

    /// <summary>
    /// The sections shown, in page order. Of "Routing" only the defaults (expiry, language, time zone) are shown: its
    /// rules seed the database once and then have their own pages.
    /// </summary>
    public static readonly IReadOnlyList<string> Sections =
        ["Dicom", "Web", "Storage", "Database", "Shipments", "Routing", "Forwarding", "Mail", "Sms", "Notifications", "Administration"];

    private static readonly string[] Omitted = ["Routing:Rules"];

    private static readonly string[] SecretSubtrees = ["Sms:Webhook:Headers"];

    public static IReadOnlyDictionary<string, object?> Of(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var name in Sections)
        {
            var section = configuration.GetSection(name);
            if (section.Exists()) result[ToCamel(name)] = Node(section, secret: false);
        }
        return result;
    }

    private static object? Node(IConfigurationSection section, bool secret)
    {
        secret |= SecretSubtrees.Any(s => string.Equals(section.Path, s, StringComparison.OrdinalIgnoreCase)) || SecretName().IsMatch(section.Key);
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            if (string.IsNullOrEmpty(section.Value)) return section.Value;
            if (secret) return Mask;
            return Uri.TryCreate(section.Value, UriKind.Absolute, out var uri) && uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? WithoutCredentials(uri)
                : section.Value;
        }
        if (children.All(c => int.TryParse(c.Key, out _)))
            return children.OrderBy(c => int.Parse(c.Key, System.Globalization.CultureInfo.InvariantCulture)).Select(c => Node(c, secret)).ToList();
        return children.Where(c => !Omitted.Contains(c.Path, StringComparer.OrdinalIgnoreCase))
            .ToDictionary(c => secret ? c.Key : ToCamel(c.Key), c => Node(c, secret), StringComparer.Ordinal);
    }

    private static string WithoutCredentials(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo) && string.IsNullOrEmpty(uri.Query)) return uri.OriginalString;
        var builder = new UriBuilder(uri) { UserName = "", Password = "", Query = "" };
        var text = builder.Uri.GetLeftPart(UriPartial.Path);
        if (!string.IsNullOrEmpty(uri.UserInfo)) text = text.Replace("://", "://" + Mask + "@", StringComparison.Ordinal);
        return string.IsNullOrEmpty(uri.Query) ? text : text + "?" + Mask;
    }

    private static string ToCamel(string key) => key.Length == 0 || char.IsLower(key[0]) ? key : char.ToLowerInvariant(key[0]) + key[1..];

    [GeneratedRegex("password|secret|token|apikey|credential|privatekey|^gatewaykey$|connectionstring", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
