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

    /// <summary>Storage SOP classes (<see cref="DicomKit.Data.DicomUids.IsStorageSopClass"/>).</summary>
    public static bool IsStorageSopClass(string uid) => DicomKit.Data.DicomUids.IsStorageSopClass(uid);
}
