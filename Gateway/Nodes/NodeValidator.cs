namespace DicomGateway.Nodes;

/// <summary>
/// The rules for a node: a name; an AE title of 1 to 16 characters of the default character repertoire (PS3.5 6.2,
/// VR AE), no backslash or control characters, not only spaces (leading and trailing spaces are not significant and
/// are trimmed); a host name or IP address; a port from 1 to 65535.
/// </summary>
public static class NodeValidator
{
    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 1000;
    public const int MaxAeTitleLength = 16;

    /// <summary>The node as it will be stored (trimmed), or the problems found.</summary>
    public static (NodeInput? Valid, IReadOnlyDictionary<string, string[]> Errors) Check(NodeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0) Add("name", "A name is required");
        else if (name.Length > MaxNameLength) Add("name", $"At most {MaxNameLength} characters");

        var aeTitle = input.AeTitle?.Trim(' ') ?? "";
        if (AeTitleProblem(input.AeTitle) is { } aeProblem) Add("aeTitle", aeProblem);

        var host = input.Host?.Trim() ?? "";
        if (host.Length == 0) Add("host", "A host name or IP address is required");
        else if (host.Length > 253 || Uri.CheckHostName(host) == UriHostNameType.Unknown) Add("host", "Not a host name or IP address");

        if (input.Port is not { } port) Add("port", "A port is required");
        else if (port is < 1 or > 65535) Add("port", "The port must be from 1 to 65535");

        var description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        if (description is { Length: > MaxDescriptionLength }) Add("description", $"At most {MaxDescriptionLength} characters");

        if (errors.Count > 0) return (null, errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        return (input with { Name = name, AeTitle = aeTitle, Host = host, Description = description }, new Dictionary<string, string[]>());
    }

    /// <summary>Why <paramref name="aeTitle"/> is not a valid AE title, or null when it is.</summary>
    public static string? AeTitleProblem(string? aeTitle)
    {
        var trimmed = aeTitle?.Trim(' ') ?? "";
        if (trimmed.Length == 0) return "An AE title is required (and cannot be only spaces)";
        if (trimmed.Length > MaxAeTitleLength) return $"An AE title has at most {MaxAeTitleLength} characters";
        foreach (var c in trimmed)
        {
            if (c == '\\') return "An AE title cannot contain a backslash";
            if (c is < ' ' or > '~') return "An AE title may only contain printable ASCII characters (no control characters or accents)";
        }
        return null;
    }
}
