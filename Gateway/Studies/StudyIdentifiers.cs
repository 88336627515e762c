using DicomGateway.Crypto;

namespace DicomGateway.Studies;

/// <summary>
/// The pseudonymous identifiers the index keeps instead of UIDs and patient IDs: keyed hashes under the gateway key,
/// the same for ingest, the disclosure report and any later lookup, so that equal values meet and nothing is reversible.
/// </summary>
public sealed class StudyIdentifiers(GatewayKeyring keyring)
{
    public byte[] StudyKey(string studyInstanceUid) => keyring.KeyedHash(CryptoPurposes.Hash.StudyInstanceUid, studyInstanceUid);

    public byte[] InstanceKey(string sopInstanceUid) => keyring.KeyedHash(CryptoPurposes.Hash.SopInstanceUid, sopInstanceUid);

    /// <summary>The patient reference of a Patient ID as received or typed (padding removed first); null when there is no ID.</summary>
    public byte[]? PatientRef(string? patientId) =>
        HeaderValues.Clean(patientId) is { } id ? keyring.KeyedHash(CryptoPurposes.Hash.PatientId, id) : null;

    /// <summary>A running hash of an instance's content (transfer syntax and data set bytes), to tell a resend from a conflict.</summary>
    public IncrementalKeyedHash ContentHash() => keyring.CreateIncrementalHash(CryptoPurposes.Hash.InstanceContent);
}
