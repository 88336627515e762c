using System.Text;
using DicomGateway.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>
/// The purpose strings are stored with what they protect (a wrapped key, a keyed hash) and the HKDF labels are shared
/// with the browser: changing one makes existing data unreadable, and two equal ones would let a value made for one
/// use pass for another.
/// </summary>
public sealed class CryptoPurposesTests
{
    [Fact]
    public void The_purpose_strings_keep_their_values()
    {
        (CryptoPurposes.Protect.StudyDataKey, CryptoPurposes.Protect.SmsCode, CryptoPurposes.Protect.Notification)
            .Should().Be(("study-data-key", "sms-code", "notification"));
        CryptoPurposes.Protect.ServerShare.Should().Be("server-share");
        CryptoPurposes.Protect.StorageCommitment.Should().Be("storage-commitment");
        (CryptoPurposes.Hash.StudyInstanceUid, CryptoPurposes.Hash.SopInstanceUid, CryptoPurposes.Hash.PatientId, CryptoPurposes.Hash.InstanceContent)
            .Should().Be(("study-instance-uid", "sop-instance-uid", "patient-id", "instance-content"));
        (CryptoPurposes.Hash.UnlockVerifier, CryptoPurposes.Hash.KeyCheck).Should().Be(("unlock-verifier", "key-check"));
        Encoding.ASCII.GetString(CryptoPurposes.KeyCheckLabel).Should().Be("DicomGateway v1 gateway key check");
        Encoding.ASCII.GetString(CryptoPurposes.BlobKey).Should().Be("DicomGateway v1 blob key");
        Encoding.ASCII.GetString(CryptoPurposes.UnlockProof).Should().Be("DicomGateway v1 unlock proof");
        Encoding.ASCII.GetString(CryptoPurposes.KeyWrap).Should().Be("DicomGateway v1 key wrap");
        Encoding.ASCII.GetString(CryptoPurposes.DataKeyAssociatedData).Should().Be("DicomGateway v1 data key");
        Encoding.ASCII.GetString(CryptoPurposes.IndexSummary).Should().Be("DicomGateway v1 index summary");
    }

    [Fact]
    public void No_two_uses_share_a_label()
    {
        string[] labels =
        [
            CryptoPurposes.ProtectPrefix + CryptoPurposes.Protect.StudyDataKey, CryptoPurposes.ProtectPrefix + CryptoPurposes.Protect.SmsCode,
            CryptoPurposes.ProtectPrefix + CryptoPurposes.Protect.Notification, CryptoPurposes.HashPrefix + CryptoPurposes.Hash.StudyInstanceUid,
            CryptoPurposes.HashPrefix + CryptoPurposes.Hash.SopInstanceUid, CryptoPurposes.HashPrefix + CryptoPurposes.Hash.PatientId,
            CryptoPurposes.HashPrefix + CryptoPurposes.Hash.InstanceContent, Encoding.ASCII.GetString(CryptoPurposes.BlobKey),
            Encoding.ASCII.GetString(CryptoPurposes.UnlockProof), Encoding.ASCII.GetString(CryptoPurposes.KeyWrap),
            Encoding.ASCII.GetString(CryptoPurposes.DataKeyAssociatedData), Encoding.ASCII.GetString(CryptoPurposes.IndexSummary),
            CryptoPurposes.ProtectPrefix + CryptoPurposes.Protect.ServerShare, CryptoPurposes.HashPrefix + CryptoPurposes.Hash.UnlockVerifier,
            CryptoPurposes.HashPrefix + CryptoPurposes.Hash.KeyCheck, Encoding.ASCII.GetString(CryptoPurposes.KeyCheckLabel),
            CryptoPurposes.ProtectPrefix + CryptoPurposes.Protect.StorageCommitment,
        ];

        labels.Should().OnlyHaveUniqueItems();
    }
}
