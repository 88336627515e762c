namespace DicomGateway.Crypto;

/// <summary>
/// Every domain separator the gateway's cryptography uses, in one place: two uses that shared a label could make a
/// value made for one valid for the other, so each label appears here once and nowhere else. The HKDF labels of the
/// shipment format are part of docs/shipment-format.md and fixed: the browser derives the same keys.
/// </summary>
public static class CryptoPurposes
{
    /// <summary>HKDF info prefixes of the gateway key's subkeys (<see cref="GatewayKeyring"/>), followed by a purpose below.</summary>
    internal const string ProtectPrefix = "DicomGateway v1 protect ";

    internal const string HashPrefix = "DicomGateway v1 hash ";

    /// <summary>Purposes of <see cref="ISecretProtector.Protect"/>: what the gateway keeps under its own key.</summary>
    public static class Protect
    {
        /// <summary>A study's data key while the gateway may still read the study (receiving, held, to be forwarded).</summary>
        public const string StudyDataKey = "study-data-key";

        /// <summary>A recipient's SMS code, kept for "send the code again" until the shipment ends.</summary>
        public const string SmsCode = "sms-code";

        /// <summary>A queued notification's payload (it holds the link or the code) until it is sent.</summary>
        public const string Notification = "notification";

        /// <summary>A recipient's key share Ks while the shipment lives: the database alone does not hold it.</summary>
        public const string ServerShare = "server-share";

        /// <summary>A storage commitment request's Transaction UID and SOP instances until its report is delivered.</summary>
        public const string StorageCommitment = "storage-commitment";
    }

    /// <summary>Purposes of the gateway's keyed hashes: pseudonymous identifiers that are compared, never reversed.</summary>
    public static class Hash
    {
        public const string StudyInstanceUid = "study-instance-uid";
        public const string SopInstanceUid = "sop-instance-uid";
        public const string PatientId = "patient-id";

        /// <summary>An instance's transfer syntax and data set bytes, to tell a resend from a conflicting instance.</summary>
        public const string InstanceContent = "instance-content";

        /// <summary>The unlock verifier, a MAC of SHA-256(P): without the gateway key the database verifies no code guess.</summary>
        public const string UnlockVerifier = "unlock-verifier";

        /// <summary>The gateway key's check value, a MAC of <see cref="KeyCheckLabel"/>: tells the key the database was used with from another.</summary>
        public const string KeyCheck = "key-check";
    }

    /// <summary>What the gateway key's check value is a MAC of (<see cref="Hash.KeyCheck"/>).</summary>
    internal static ReadOnlySpan<byte> KeyCheckLabel => "DicomGateway v1 gateway key check"u8;

    /// <summary>HKDF info of the shipment format (docs/shipment-format.md).</summary>
    internal static ReadOnlySpan<byte> BlobKey => "DicomGateway v1 blob key"u8;

    internal static ReadOnlySpan<byte> UnlockProof => "DicomGateway v1 unlock proof"u8;

    internal static ReadOnlySpan<byte> KeyWrap => "DicomGateway v1 key wrap"u8;

    /// <summary>Associated data of a wrapped data key.</summary>
    internal static ReadOnlySpan<byte> DataKeyAssociatedData => "DicomGateway v1 data key"u8;

    /// <summary>HKDF info of the key that encrypts an instance's index summary under its study's data key (not part of the shipment format).</summary>
    public static ReadOnlySpan<byte> IndexSummary => "DicomGateway v1 index summary"u8;
}
