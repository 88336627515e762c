using System.Security.Cryptography;
using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Shipments;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Shipments;

/// <summary>
/// A recipient's secrets as the server stores them: the unlock verifier is a MAC under the gateway key, Ks is protected
/// under it; verification is exact and refuses malformed input; rows of the earlier form are rewritten once.
/// </summary>
public sealed class StoredRecipientSecretsTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly GatewayKeyring _keyring = new(RandomNumberGenerator.GetBytes(32));
    private readonly RecipientSecrets _secrets = RecipientSecrets.Create(ShipmentKeys.NewDataKey());
    private readonly StoredRecipientSecrets _stored;

    public StoredRecipientSecretsTests() => _stored = new StoredRecipientSecrets(_keyring, NullLogger<StoredRecipientSecrets>.Instance);

    public void Dispose()
    {
        _secrets.Dispose();
        _keyring.Dispose();
        _db.Dispose();
    }

    private byte[] Proof => ShipmentKeys.DeriveUnlockProof(_secrets.FragmentKey, _secrets.Code, _secrets.Token);

    [Fact]
    public void The_verifier_is_not_the_proofs_hash_and_verifies_the_right_proof_only()
    {
        var verifier = _stored.Verifier(_secrets);

        verifier.Should().NotEqual(_secrets.ProofHash).And.NotEqual(SHA256.HashData(Proof));
        _stored.VerifyProof(Proof, verifier).Should().BeTrue();
        var wrong = Proof;
        wrong[0] ^= 1;
        _stored.VerifyProof(wrong, verifier).Should().BeFalse();
        using var otherKey = new GatewayKeyring(RandomNumberGenerator.GetBytes(32));
        new StoredRecipientSecrets(otherKey, NullLogger<StoredRecipientSecrets>.Instance).VerifyProof(Proof, verifier).Should().BeFalse("the verifier needs the gateway key");
    }

    [Theory]
    [InlineData(0, 32)]
    [InlineData(31, 32)]
    [InlineData(33, 32)]
    [InlineData(32, 0)]
    [InlineData(32, 31)]
    [InlineData(32, 64)]
    public void A_proof_or_a_stored_verifier_of_the_wrong_length_verifies_nothing(int proofLength, int verifierLength)
    {
        var proof = proofLength == 32 ? Proof : new byte[proofLength];
        var verifier = verifierLength == 32 ? _stored.Verifier(_secrets) : new byte[verifierLength];

        _stored.VerifyProof(proof, verifier).Should().BeFalse();
    }

    [Fact]
    public void Ks_is_stored_protected_and_comes_back_whole_and_a_changed_value_is_refused()
    {
        var protectedShare = _stored.ProtectServerShare(_secrets.ServerShare);

        protectedShare.AsSpan().IndexOf(_secrets.ServerShare).Should().Be(-1);
        _stored.ServerShare(protectedShare).Should().Equal(_secrets.ServerShare);
        protectedShare[20] ^= 1;
        ((Action)(() => _stored.ServerShare(protectedShare))).Should().Throw<ShipmentIntegrityException>();
        ((Action)(() => _stored.ServerShare(_secrets.ServerShare))).Should().Throw<ShipmentIntegrityException>("a share stored in clear is not taken for a protected one");
    }

    [Fact]
    public async Task Rows_stored_as_a_plain_hash_and_Ks_are_rewritten_once_and_erased_values_stay_erased()
    {
        await using (var c = await _db.Database.OpenAsync())
        {
            var studyId = await c.ExecuteScalarAsync<long>("""
                INSERT INTO studies (study_key, state, calling_ae, called_ae, patient_ref, instance_count, total_bytes, first_received_at, last_received_at)
                VALUES (randomblob(32), 'sealed', 'MODALITY', 'GATEWAY', randomblob(32), 0, 0, 0, 0) RETURNING id
                """);
            var shipmentId = await c.ExecuteScalarAsync<long>("""
                INSERT INTO shipments (reference, study_id, state, created_at, expires_at, expiry_days) VALUES ('R-1', @studyId, 'active', 0, 1, 7) RETURNING id
                """, new { studyId });
            await c.ExecuteAsync("""
                INSERT INTO recipients (shipment_id, email, language, token_hash, proof_hash, server_share, wrapped_key) VALUES
                    (@shipmentId, 'a@example.org', 'en', randomblob(32), @ProofHash, @ServerShare, @WrappedKey),
                    (@shipmentId, 'b@example.org', 'en', randomblob(32), NULL, NULL, NULL)
                """, new { shipmentId, _secrets.ProofHash, _secrets.ServerShare, _secrets.WrappedKey });
        }

        (await _stored.UpgradeAsync(_db.Database, CancellationToken.None)).Should().Be(2);
        (await _stored.UpgradeAsync(_db.Database, CancellationToken.None)).Should().Be(0, "upgraded rows are not rewritten again");

        await using var read = await _db.Database.OpenAsync();
        var rows = (await read.QueryAsync<(long Version, byte[]? ProofHash, byte[]? ServerShare)>(
            "SELECT secrets_version, proof_hash, server_share FROM recipients ORDER BY id")).ToList();
        rows.Should().OnlyContain(r => r.Version == 1);
        _stored.VerifyProof(Proof, rows[0].ProofHash).Should().BeTrue();
        _stored.ServerShare(rows[0].ServerShare).Should().Equal(_secrets.ServerShare);
        (rows[1].ProofHash, rows[1].ServerShare).Should().Be((null, null));
    }
}
