using System.Collections.Frozen;
using DicomKit.Data;

namespace DicomGateway.AddressBook;

/// <summary>
/// A person shipments go to, kept once and named by rules (by id, or found by a DICOM name such as the study's
/// ReferringPhysicianName). At least <see cref="Email"/> or <see cref="Phone"/>; the phone is stored in E.164.
/// </summary>
public sealed record Contact
{
    /// <summary>Assigned by the store; ignored by <see cref="ContactStore.AddAsync"/>.</summary>
    public long Id { get; init; }

    public string Name { get; init; } = "";

    public string? Email { get; init; }

    public string? Phone { get; init; }

    /// <summary>"cs", "pl" or "en"; null: the rule's, then Routing:DefaultLanguage.</summary>
    public string? Language { get; init; }

    public string? Organisation { get; init; }

    /// <summary>How the person appears in DICOM headers, as person names ("Novak^Jan"), for rules' lookupAttribute.</summary>
    public IReadOnlyList<string> DicomNames { get; init; } = [];

    public string? Notes { get; init; }
}

/// <summary>The address book as routing reads it: an immutable snapshot, by id and by DICOM name.</summary>
internal sealed class ContactDirectory
{
    private readonly FrozenDictionary<long, Contact> _byId;
    private readonly FrozenDictionary<string, Contact[]> _byName;

    public static ContactDirectory Empty { get; } = new([]);

    public ContactDirectory(IEnumerable<Contact> contacts)
    {
        var list = contacts.ToList();
        _byId = list.ToFrozenDictionary(c => c.Id);
        _byName = list
            .SelectMany(c => c.DicomNames.Select(n => (Key: DicomPersonName.MatchKey(n), Contact: c)))
            .Where(x => x.Key.Length > 0)
            .GroupBy(x => x.Key, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(x => x.Contact).DistinctBy(c => c.Id).ToArray(), StringComparer.Ordinal);
    }

    public int Count => _byId.Count;

    public Contact? Find(long id) => _byId.GetValueOrDefault(id);

    /// <summary>The contacts one of whose DICOM names is <paramref name="name"/> as a person name (alphabetic group, components ignoring case).</summary>
    public IReadOnlyList<Contact> FindByDicomName(string name) => _byName.GetValueOrDefault(DicomPersonName.MatchKey(name)) ?? [];
}
