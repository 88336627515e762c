namespace DicomGateway.Routing;

/// <summary>
/// Person names (PN, PS3.5 6.2.1) compared as people mean them: component by component, ignoring case, surrounding
/// spaces and trailing empty components, so "Novak^Jan" is "NOVAK^JAN^^^". A name written with one component group
/// compares with the alphabetic group of the other; with more groups ("Yamada^Tarou=山田^太郎") every group counts.
/// </summary>
public static class PersonNames
{
    public static bool AreEqual(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var groupsA = Groups(a);
        var groupsB = Groups(b);
        if (groupsA.Count <= 1 || groupsB.Count <= 1)
            return string.Equals(First(groupsA), First(groupsB), StringComparison.Ordinal);
        return groupsA.SequenceEqual(groupsB, StringComparer.Ordinal);
    }

    /// <summary>The normalised alphabetic group: components trimmed and upper-cased, trailing empty ones dropped.</summary>
    public static string Key(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var equals = name.IndexOf('=', StringComparison.Ordinal);
        return Group(equals < 0 ? name : name[..equals]);
    }

    private static string First(List<string> groups) => groups.Count == 0 ? "" : groups[0];

    private static List<string> Groups(string name)
    {
        var groups = name.Split('=').Select(Group).ToList();
        while (groups.Count > 0 && groups[^1].Length == 0) groups.RemoveAt(groups.Count - 1);
        return groups;
    }

    private static string Group(string group)
    {
        var components = group.Split('^').Select(c => c.Trim().ToUpperInvariant()).ToList();
        while (components.Count > 0 && components[^1].Length == 0) components.RemoveAt(components.Count - 1);
        return string.Join('^', components);
    }
}
