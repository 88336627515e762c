namespace DicomKit.Network.Services;

/// <summary>
/// The few UIDs the network layer needs before the generated registry (DicomUids) lands in DicomKit/Data;
/// kept internal so switching to the registry changes no public API.
/// </summary>
internal static class KnownUids
{
    public const string Verification = "1.2.840.10008.1.1";
    public const string ImplicitVRLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVRLittleEndian = "1.2.840.10008.1.2.1";
    public const string DeflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99";
    public const string ExplicitVRBigEndian = "1.2.840.10008.1.2.2";

    /// <summary>Implementation Class UID DicomKit announces (a UUID-derived 2.25 UID, PS3.5 B.2).</summary>
    public const string ImplementationClassUid = "2.25.162733049138457946541290312604226101771";
    public const string ImplementationVersionName = "DICOMKIT_1";

    /// <summary>
    /// Every transfer syntax of the current standard (PS3.6 Table A-1), retired ones included since old senders
    /// still propose them. The SCP never decodes a received data set, so any of them can be accepted.
    /// </summary>
    public static readonly IReadOnlySet<string> TransferSyntaxes = new HashSet<string>(StringComparer.Ordinal)
    {
        ImplicitVRLittleEndian, ExplicitVRLittleEndian, "1.2.840.10008.1.2.1.98", DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian,
        "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.52", "1.2.840.10008.1.2.4.53",
        "1.2.840.10008.1.2.4.54", "1.2.840.10008.1.2.4.55", "1.2.840.10008.1.2.4.56", "1.2.840.10008.1.2.4.57",
        "1.2.840.10008.1.2.4.58", "1.2.840.10008.1.2.4.59", "1.2.840.10008.1.2.4.60", "1.2.840.10008.1.2.4.61",
        "1.2.840.10008.1.2.4.62", "1.2.840.10008.1.2.4.63", "1.2.840.10008.1.2.4.64", "1.2.840.10008.1.2.4.65",
        "1.2.840.10008.1.2.4.66", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
        "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.92", "1.2.840.10008.1.2.4.93",
        "1.2.840.10008.1.2.4.94", "1.2.840.10008.1.2.4.95", "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.100.1",
        "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.101.1", "1.2.840.10008.1.2.4.102", "1.2.840.10008.1.2.4.102.1",
        "1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.103.1", "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.104.1",
        "1.2.840.10008.1.2.4.105", "1.2.840.10008.1.2.4.105.1", "1.2.840.10008.1.2.4.106", "1.2.840.10008.1.2.4.106.1",
        "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108", "1.2.840.10008.1.2.4.110", "1.2.840.10008.1.2.4.111",
        "1.2.840.10008.1.2.4.112", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203",
        "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.6.1", "1.2.840.10008.1.2.6.2",
        "1.2.840.10008.1.2.7.1", "1.2.840.10008.1.2.7.2", "1.2.840.10008.1.2.7.3",
    };

    /// <summary>
    /// Storage SOP classes: every standard one lives under 1.2.840.10008.5.1.4.1.1 (PS3.4 Annex B, PS3.6 Annex A),
    /// except the non-patient objects listed after it. Query/retrieve classes are under ...5.1.4.1.2 and never match.
    /// To be replaced by DicomUids.StorageSopClasses when the generated registry lands.
    /// </summary>
    public static bool IsStorageSopClass(string uid) =>
        uid.StartsWith("1.2.840.10008.5.1.4.1.1.", StringComparison.Ordinal)
        || uid.StartsWith("1.2.840.10008.5.1.4.38.", StringComparison.Ordinal) // hanging protocol
        || uid is "1.2.840.10008.5.1.4.39.1" // color palette
            or "1.2.840.10008.5.1.4.43.1" // generic implant template
            or "1.2.840.10008.5.1.4.44.1" // implant assembly template
            or "1.2.840.10008.5.1.4.45.1"; // implant template group
}
