namespace DicomKit.Data;

/// <summary>
/// One component group of a person name (PS3.5 6.2.1): family^given^middle^prefix^suffix. Missing components
/// are empty strings, never null, so callers compare and display without null checks.
/// </summary>
public sealed record PersonNameGroup(string FamilyName, string GivenName = "", string MiddleName = "", string NamePrefix = "", string NameSuffix = "")
{
    public static PersonNameGroup Empty { get; } = new(string.Empty);

    public bool IsEmpty => FamilyName.Length == 0 && GivenName.Length == 0 && MiddleName.Length == 0 && NamePrefix.Length == 0 && NameSuffix.Length == 0;

    /// <summary>
    /// Reads "family^given^middle^prefix^suffix". A sixth or later component, which PS3.5 does not allow, is kept in
    /// the suffix with its carets so that nothing a sender wrote is lost.
    /// </summary>
    public static PersonNameGroup Parse(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Length == 0)
            return Empty;
        var parts = group.Split('^', 5);
        string Part(int i) => i < parts.Length ? parts[i] : string.Empty;
        return new PersonNameGroup(Part(0), Part(1), Part(2), Part(3), Part(4));
    }

    /// <summary>
    /// The group as it is compared when people mean "the same name": each component trimmed and upper-cased (invariant
    /// culture), so "novak ^jan" and "NOVAK^JAN" are one group. Senders differ in case and padding far more often than in
    /// the name itself; see <see cref="DicomPersonName.Matches(string, string)"/>.
    /// </summary>
    public PersonNameGroup Normalized() => Parse(DicomPersonName.NormalizeGroup(ToString()));

    /// <summary>The DICOM form with trailing empty components and their carets left out.</summary>
    public override string ToString()
    {
        string[] parts = [FamilyName, GivenName, MiddleName, NamePrefix, NameSuffix];
        var count = parts.Length;
        while (count > 0 && parts[count - 1].Length == 0)
            count--;
        return string.Join('^', parts, 0, count);
    }
}

/// <summary>
/// A person name (PN) value: up to three component groups separated by '=', alphabetic, ideographic and phonetic
/// (PS3.5 6.2.1, Annex H-J). Parses one value, already decoded through <see cref="DicomCharacterSet"/>; a
/// multi-valued PN is split on backslash first.
/// </summary>
public sealed record DicomPersonName
{
    public DicomPersonName(PersonNameGroup alphabetic, PersonNameGroup? ideographic = null, PersonNameGroup? phonetic = null)
    {
        ArgumentNullException.ThrowIfNull(alphabetic);
        Alphabetic = alphabetic;
        Ideographic = ideographic ?? PersonNameGroup.Empty;
        Phonetic = phonetic ?? PersonNameGroup.Empty;
    }

    /// <summary>A name with only the alphabetic group, the usual case outside East Asia.</summary>
    public DicomPersonName(string familyName, string givenName = "", string middleName = "", string namePrefix = "", string nameSuffix = "")
        : this(new PersonNameGroup(familyName, givenName, middleName, namePrefix, nameSuffix))
    {
    }

    public PersonNameGroup Alphabetic { get; }

    public PersonNameGroup Ideographic { get; }

    public PersonNameGroup Phonetic { get; }

    public string FamilyName => Alphabetic.FamilyName;

    public string GivenName => Alphabetic.GivenName;

    public string MiddleName => Alphabetic.MiddleName;

    public string NamePrefix => Alphabetic.NamePrefix;

    public string NameSuffix => Alphabetic.NameSuffix;

    /// <summary>
    /// Reads one PN value. Trailing padding spaces are dropped; a fourth group, which PS3.5 does not allow, stays
    /// in the phonetic group with its '=' rather than being discarded.
    /// </summary>
    public static DicomPersonName Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var groups = value.TrimEnd(' ', '\0').Split('=', 3);
        return new DicomPersonName(
            PersonNameGroup.Parse(groups[0]),
            groups.Length > 1 ? PersonNameGroup.Parse(groups[1]) : null,
            groups.Length > 2 ? PersonNameGroup.Parse(groups[2]) : null);
    }

    /// <summary>
    /// Whether two PN values name the same person as people mean it, not as strings: components are compared trimmed
    /// and ignoring case (upper-cased in the invariant culture), and trailing empty components and groups do not count,
    /// so "Novak^Jan" matches "NOVAK^JAN^^^". When either value has only one group, the alphabetic groups are compared,
    /// because most senders write only that group; when both have more ("Yamada^Tarou=山田^太郎"), every group must match,
    /// because two people can share the romanisation of differently written names.
    /// </summary>
    /// <remarks>
    /// Works on the values as written, so a routing rule or an address book entry can be compared with a header value
    /// without parsing either: a sixth component or a fourth group, which PS3.5 does not allow, is compared like the others.
    /// </remarks>
    public static bool Matches(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var groupsA = NormalizedGroups(a);
        var groupsB = NormalizedGroups(b);
        if (groupsA.Count <= 1 || groupsB.Count <= 1)
            return string.Equals(First(groupsA), First(groupsB), StringComparison.Ordinal);
        return groupsA.SequenceEqual(groupsB, StringComparer.Ordinal);

        static string First(List<string> groups) => groups.Count == 0 ? string.Empty : groups[0];
    }

    /// <summary>Whether this name and <paramref name="other"/> name the same person, as <see cref="Matches(string, string)"/> compares them.</summary>
    public bool Matches(DicomPersonName other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Matches(ToString(), other.ToString());
    }

    /// <summary>
    /// The key of a PN value for lookups by name: its alphabetic group normalised as <see cref="Matches(string, string)"/>
    /// compares it ("novak ^jan^^" gives "NOVAK^JAN"). Names that match on their alphabetic group share a key, so a table
    /// of names can be indexed by it; an empty key means the value holds no name.
    /// </summary>
    public static string MatchKey(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        return NormalizeGroup(equals < 0 ? value : value[..equals]);
    }

    /// <summary>Every group normalised, trailing empty groups dropped.</summary>
    private static List<string> NormalizedGroups(string value)
    {
        var groups = value.Split('=').Select(NormalizeGroup).ToList();
        while (groups.Count > 0 && groups[^1].Length == 0)
            groups.RemoveAt(groups.Count - 1);
        return groups;
    }

    /// <summary>One group's components trimmed and upper-cased, trailing empty ones dropped, joined by '^'.</summary>
    internal static string NormalizeGroup(string group)
    {
        var components = group.Split('^').Select(c => c.Trim().ToUpperInvariant()).ToList();
        while (components.Count > 0 && components[^1].Length == 0)
            components.RemoveAt(components.Count - 1);
        return string.Join('^', components);
    }

    /// <summary>The DICOM form without trailing empty components or groups, e.g. "Yamada^Tarou=山田^太郎=やまだ^たろう".</summary>
    public override string ToString()
    {
        string[] groups = [Alphabetic.ToString(), Ideographic.ToString(), Phonetic.ToString()];
        var count = groups.Length;
        while (count > 0 && groups[count - 1].Length == 0)
            count--;
        return string.Join('=', groups, 0, count);
    }
}
