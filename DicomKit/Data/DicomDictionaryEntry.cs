namespace DicomKit.Data;

/// <summary>
/// One data element of the public data dictionary (PS3.6 Table 6-1). For a repeating group or masked
/// entry, <see cref="Tag"/> is the lowest member, e.g. (6000,3000) for Overlay Data.
/// </summary>
/// <param name="Tag">The tag, or the lowest member of a repeating group or masked entry.</param>
/// <param name="Keyword">The PS3.6 keyword, e.g. "PatientName"; without DCMTK's "RETIRED_" prefix.</param>
/// <param name="Name">The PS3.6 name, e.g. "Patient's Name".</param>
/// <param name="ValueRepresentations">
/// The VRs the standard allows, never empty. The first is the one to assume when a data set does not say
/// (implicit VR); see <see cref="DicomDictionary.GetDefaultVR"/> for how "US or SS" style entries are ordered.
/// </param>
/// <param name="ValueMultiplicity">As PS3.6 writes it: "1", "1-n", "2-2n", ...</param>
/// <param name="IsRetired">Retired from the standard: still read, never written by new code.</param>
public sealed record DicomDictionaryEntry(
    DicomTag Tag,
    string Keyword,
    string Name,
    IReadOnlyList<DicomVR> ValueRepresentations,
    string ValueMultiplicity,
    bool IsRetired)
{
    /// <summary>The VR an implicit VR reader should decode the value with.</summary>
    public DicomVR DefaultVR => ValueRepresentations[0];
}
