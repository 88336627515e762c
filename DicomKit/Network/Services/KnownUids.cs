namespace DicomKit.Network.Services;

/// <summary>
/// The few UIDs and UID rules the network layer needs, over the generated registry (DicomUids) and
/// DicomTransferSyntax; kept internal so the policy can change without touching public API.
/// </summary>
internal static class KnownUids
{
    public const string Verification = "1.2.840.10008.1.1";
    public const string ImplicitVRLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVRLittleEndian = "1.2.840.10008.1.2.1";
    public const string DeflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99";
    public const string ExplicitVRBigEndian = "1.2.840.10008.1.2.2";

    /// <summary>Implementation Class UID and Version Name DicomKit announces: the same as in the files it writes.</summary>
    public const string ImplementationClassUid = DicomKit.IO.DicomFile.ImplementationClassUid;
    public const string ImplementationVersionName = DicomKit.IO.DicomFile.ImplementationVersionName;

    /// <summary>
    /// Every transfer syntax of the current standard, retired ones included since old senders still propose them.
    /// The SCP never decodes a received data set, so any of them can be accepted.
    /// </summary>
    public static bool IsTransferSyntax(string uid) => DicomKit.IO.DicomTransferSyntax.IsKnown(uid);

    /// <summary>
    /// Storage SOP classes: every standard one lives under 1.2.840.10008.5.1.4.1.1 (PS3.4 Annex B, PS3.6 Annex A),
    /// except the non-patient objects listed after it. Query/retrieve classes are under ...5.1.4.1.2 and never match.
    /// A class the generated registry names as storage is accepted too, and so is any future class under the
    /// storage root, so a modality newer than our dictionary can still send.
    /// </summary>
    public static bool IsStorageSopClass(string uid) =>
        DicomKit.Data.DicomUids.Lookup(uid) is { IsStorageSopClass: true }
        || uid.StartsWith("1.2.840.10008.5.1.4.1.1.", StringComparison.Ordinal)
        || uid.StartsWith("1.2.840.10008.5.1.4.38.", StringComparison.Ordinal) // hanging protocol
        || uid is "1.2.840.10008.5.1.4.39.1" // color palette
            or "1.2.840.10008.5.1.4.43.1" // generic implant template
            or "1.2.840.10008.5.1.4.44.1" // implant assembly template
            or "1.2.840.10008.5.1.4.45.1"; // implant template group
}
