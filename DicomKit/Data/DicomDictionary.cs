namespace DicomKit.Data;

/// <summary>
/// The public DICOM data dictionary, generated from DCMTK's dicom.dic (tools/DictionaryGenerator).
/// The tables are built on first use, not at type load, so that a process that never looks a tag up
/// pays nothing for the five thousand entries.
/// </summary>
/// <remarks>
/// Where the standard allows several VRs, <see cref="DicomDictionaryEntry.ValueRepresentations"/> lists
/// them with the implicit-VR default first: US before SS ("xs" in DCMTK: the choice really depends on
/// Pixel Representation, which only the caller knows); OW before OB for pixel, overlay, waveform and
/// other "OB or OW" data, since implicit VR Little Endian encodes those as OW (PS3.5 A.1); OW first for
/// LUT Data ("US or OW" / "US or SS or OW"). DCMTK's "up" (a file offset in DICOMDIR) is UL; the item
/// and delimitation tags, which carry no VR at all, are listed as UN.
/// </remarks>
public static partial class DicomDictionary
{
    private static readonly DicomDictionaryEntry GroupLengthEntry =
        new(new DicomTag(0x0000, 0x0000), "GroupLength", "Group Length", [DicomVR.UL], "1", true);

    private static readonly DicomDictionaryEntry PrivateCreatorEntry =
        new(new DicomTag(0x0009, 0x0010), "PrivateCreator", "Private Creator", [DicomVR.LO], "1", false);

    /// <summary>Number of entries in the table: every accepted dicom.dic line plus the hand-kept supplement.</summary>
    public static int Count => Tables.Instance.Count;

    /// <summary>
    /// The entry for a tag: an exact entry, else a repeating group or masked entry that covers it
    /// ((60xx,3000), (50xx,eeee), (7Fxx,0010), (0020,3100-31FE), (0028,04x0), (1000,xxx0), (1010,xxxx) ...).
    /// Masks never cover a group length (gggg,0000). Group lengths and private creators (gggg,0010-00FF in an odd group) not in the table
    /// get a generic entry, because a dump still wants to name them. Null for anything else.
    /// </summary>
    public static DicomDictionaryEntry? Lookup(DicomTag tag)
    {
        if (tag.IsGroupLength)
            return Tables.Instance.FindExact(tag.Value) ?? GroupLengthEntry;
        return Tables.Instance.Find(tag.Value) ?? (tag.IsPrivateCreator ? PrivateCreatorEntry : null);
    }

    /// <summary>
    /// The VR to assume when the encoding does not carry one. Group length is UL, a private creator is LO,
    /// other private elements and unknown tags are UN (PS3.5 6.2.2); a dictionary tag gets its first VR.
    /// </summary>
    public static DicomVR GetDefaultVR(DicomTag tag)
    {
        if (tag.IsGroupLength)
            return DicomVR.UL;
        if (tag.IsPrivate)
            return tag.IsPrivateCreator ? DicomVR.LO : DicomVR.UN;
        return Tables.Instance.Find(tag.Value)?.DefaultVR ?? DicomVR.UN;
    }

    /// <summary>Finds an entry by its PS3.6 keyword, e.g. "PatientName"; ordinal and case-sensitive, as keywords are.</summary>
    public static bool TryGetByKeyword(string keyword, out DicomDictionaryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        if (Tables.Instance.ByKeyword.TryGetValue(keyword, out var e))
        {
            entry = e;
            return true;
        }
        entry = null!;
        return false;
    }

    /// <summary>All entries, in the order of the source dictionary.</summary>
    public static IReadOnlyList<DicomDictionaryEntry> Entries => Tables.Instance.All;

    /// <summary>The lookup structures; the CLR runs this class's initialiser on first access only.</summary>
    private sealed class Tables
    {
        public static readonly Tables Instance = new();

        private readonly Dictionary<uint, DicomDictionaryEntry> _exact;

        // One dictionary per distinct mask, keyed by (tag & mask): a handful of probes per miss.
        private readonly (uint Mask, Dictionary<uint, DicomDictionaryEntry> Entries)[] _masked;

        public Dictionary<string, DicomDictionaryEntry> ByKeyword { get; }

        public DicomDictionaryEntry[] All { get; }

        public int Count => All.Length;

        private Tables()
        {
            var rows = CreateEntries();
            All = new DicomDictionaryEntry[rows.Length];
            _exact = new Dictionary<uint, DicomDictionaryEntry>(rows.Length);
            ByKeyword = new Dictionary<string, DicomDictionaryEntry>(rows.Length, StringComparer.Ordinal);
            var masked = new Dictionary<uint, Dictionary<uint, DicomDictionaryEntry>>();
            for (var i = 0; i < rows.Length; i++)
            {
                var (value, mask, entry) = rows[i];
                All[i] = entry;
                ByKeyword[entry.Keyword] = entry;
                if (mask == 0xFFFFFFFF)
                {
                    _exact[value] = entry;
                    continue;
                }
                if (!masked.TryGetValue(mask, out var byValue))
                    masked[mask] = byValue = [];
                byValue[value] = entry;
            }
            _masked = [.. masked.Select(kv => (kv.Key, kv.Value))];
        }

        public DicomDictionaryEntry? FindExact(uint tag) => _exact.GetValueOrDefault(tag);

        public DicomDictionaryEntry? Find(uint tag)
        {
            if (_exact.TryGetValue(tag, out var entry))
                return entry;
            foreach (var (mask, entries) in _masked)
            {
                if (entries.TryGetValue(tag & mask, out entry))
                    return entry;
            }
            return null;
        }
    }
}
