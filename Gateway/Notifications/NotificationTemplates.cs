using System.Collections.Frozen;
using System.Text;
using DicomGateway.Storage;
using Microsoft.Extensions.Options;

namespace DicomGateway.Notifications;

/// <summary>
/// The message templates: built-in files under Notifications/Templates/{lang}/{name} (embedded), each of which an
/// administrator can replace by a file at the same relative path under Mail:TemplateDirectory. Overrides are read
/// at each use, so an edited template takes effect without a restart.
/// </summary>
/// <remarks>
/// The syntax is deliberately tiny: <c>{{Name}}</c> is replaced by a value (HTML-encoded in .html templates), and
/// lines starting with <c>##</c> are comments. A placeholder the gateway does not know is an error, not an empty
/// string, so a typo in an override is noticed rather than sent.
/// </remarks>
public sealed class NotificationTemplates
{
    private const string ResourcePrefix = "NotificationTemplates/";

    public static FrozenSet<string> Languages { get; } = FrozenSet.Create(StringComparer.Ordinal, "cs", "pl", "en");

    public const string ShipmentEmail = "shipment-email";
    public const string CodeSms = "code-sms";
    public const string OpenedEmail = "opened-email";
    public const string ExpiredUnopenedEmail = "expired-unopened-email";

    /// <summary>Every template file name a language must have.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
    [
        ShipmentEmail + ".subject.txt", ShipmentEmail + ".txt", ShipmentEmail + ".html",
        CodeSms + ".txt",
        OpenedEmail + ".subject.txt", OpenedEmail + ".txt", OpenedEmail + ".html",
        ExpiredUnopenedEmail + ".subject.txt", ExpiredUnopenedEmail + ".txt", ExpiredUnopenedEmail + ".html",
    ];

    private static readonly FrozenDictionary<string, string> BuiltIn = LoadBuiltIn();
    private readonly string? _overrideDirectory;

    public NotificationTemplates(IOptions<MailOptions> options, StoragePaths paths)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(paths);
        var directory = options.Value.TemplateDirectory;
        _overrideDirectory = string.IsNullOrWhiteSpace(directory) ? null : Path.GetFullPath(Path.Combine(paths.DataDirectory, directory));
    }

    /// <summary>The template text for a language ("cs") and file name ("shipment-email.html").</summary>
    public async Task<string> GetAsync(string language, string fileName, CancellationToken cancellationToken)
    {
        if (!Languages.Contains(language)) throw new ArgumentOutOfRangeException(nameof(language), language, "no templates for this language");
        if (_overrideDirectory is not null)
        {
            var file = Path.Combine(_overrideDirectory, language, fileName);
            if (File.Exists(file)) return await File.ReadAllTextAsync(file, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        }
        return BuiltIn.TryGetValue(language + "/" + fileName, out var text)
            ? text
            : throw new InvalidOperationException($"No built-in template {language}/{fileName}");
    }

    /// <summary>Replaces each <c>{{Name}}</c> by its value; drops ## comment lines.</summary>
    /// <exception cref="TemplateException">The template names a placeholder that is not in <paramref name="values"/>, or leaves one unclosed.</exception>
    public static string Render(string template, IReadOnlyDictionary<string, string> values, bool html)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var output = new StringBuilder(template.Length + 256);
        foreach (var line in template.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.StartsWith("##", StringComparison.Ordinal)) continue;
            var rest = line.AsSpan();
            while (true)
            {
                var open = rest.IndexOf("{{", StringComparison.Ordinal);
                if (open < 0)
                {
                    output.Append(rest);
                    break;
                }
                output.Append(rest[..open]);
                rest = rest[(open + 2)..];
                var close = rest.IndexOf("}}", StringComparison.Ordinal);
                if (close < 0) throw new TemplateException("A template has an unclosed {{");
                var name = rest[..close].Trim().ToString();
                if (!values.TryGetValue(name, out var value)) throw new TemplateException($"A template uses the unknown placeholder {{{{{name}}}}}");
                output.Append(html ? HtmlEncode(value) : value);
                rest = rest[(close + 2)..];
            }
            output.Append('\n');
        }
        return output.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>
    /// Escapes the five characters that matter in HTML text and quoted attribute values, and nothing else: Czech
    /// and Polish letters stay readable in the source of the message, and a link stays byte-for-byte the link.
    /// </summary>
    internal static string HtmlEncode(string value) => value
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal);

    private static FrozenDictionary<string, string> LoadBuiltIn()
    {
        var assembly = typeof(NotificationTemplates).Assembly;
        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            // %(RecursiveDir) uses the build machine's separator: accept either.
            var name = resource.Replace('\\', '/');
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            templates[name[ResourcePrefix.Length..]] = reader.ReadToEnd();
        }
        return templates.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>A template cannot be rendered (an unknown placeholder in an administrator's override, usually).</summary>
public sealed class TemplateException(string message) : Exception(message);
