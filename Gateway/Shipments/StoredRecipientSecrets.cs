using System.Security.Cryptography;
using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Database;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Shipments;

/// <summary>
/// How a recipient's server-side secrets are kept in the table recipients (docs/shipment-format.md, "Lookup" and
/// "Unlock proof"): proof_hash is the unlock verifier HMAC(gateway subkey "unlock-verifier", SHA-256(P)) and
/// server_share is Ks under the gateway key (secrets_version 1). The database alone, or with an e-mail, then verifies
/// no code guess and completes no key: both need the gateway key. The browser's side of the format is unchanged.
/// </summary>
public sealed partial class StoredRecipientSecrets(GatewayKeyring keyring, ILogger<StoredRecipientSecrets> logger)
{
    /// <summary>The value of recipients.secrets_version for rows written as this class describes.</summary>
    public const int Version = 1;

    /// <summary>The unlock verifier of <paramref name="secrets"/>, stored as proof_hash.</summary>
    public byte[] Verifier(RecipientSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        return VerifierOfProofHash(secrets.ProofHash);
    }

    /// <summary>Ks under the gateway key, stored as server_share.</summary>
    public byte[] ProtectServerShare(ReadOnlySpan<byte> serverShare) => keyring.Protect(CryptoPurposes.Protect.ServerShare, serverShare);

    /// <summary>Whether <paramref name="proof"/> is the proof the stored verifier was made from, compared in constant time.</summary>
    public bool VerifyProof(ReadOnlySpan<byte> proof, ReadOnlySpan<byte> storedVerifier)
    {
        if (proof.Length != ShipmentKeys.KeySize || storedVerifier.Length != HMACSHA256.HashSizeInBytes) return false;
        var verifier = VerifierOfProofHash(ShipmentKeys.ProofHash(proof));
        return CryptographicOperations.FixedTimeEquals(verifier, storedVerifier);
    }

    /// <summary>Ks from the stored server_share, to release to a recipient who proved E and S.</summary>
    public byte[] ServerShare(ReadOnlySpan<byte> storedServerShare) => keyring.Unprotect(CryptoPurposes.Protect.ServerShare, storedServerShare);

    /// <summary>
    /// Rewrites rows stored as a plain SHA-256(P) and Ks (secrets_version 0) in this form, in one transaction: the
    /// verifier is a MAC of SHA-256(P), so P itself is not needed. Erased values (NULL) stay erased.
    /// </summary>
    public async Task<int> UpgradeAsync(GatewayDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<(long Id, byte[]? ProofHash, byte[]? ServerShare)>(
            "SELECT id, proof_hash, server_share FROM recipients WHERE secrets_version = 0", transaction: tx).ConfigureAwait(false)).ToList();
        foreach (var (id, proofHash, serverShare) in rows)
        {
            await connection.ExecuteAsync(
                "UPDATE recipients SET proof_hash = @verifier, server_share = @share, secrets_version = @Version WHERE id = @id AND secrets_version = 0",
                new
                {
                    id,
                    verifier = proofHash is null ? null : VerifierOfProofHash(proofHash),
                    share = serverShare is null ? null : ProtectServerShare(serverShare),
                    Version,
                }, tx).ConfigureAwait(false);
            if (serverShare is not null) CryptographicOperations.ZeroMemory(serverShare);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0) return 0;
        // The plain values are overwritten in the file (secure_delete); the checkpoint takes them out of the log too.
        await database.CheckpointAsync(cancellationToken).ConfigureAwait(false);
        LogUpgraded(rows.Count);
        return rows.Count;
    }

    private byte[] VerifierOfProofHash(ReadOnlySpan<byte> proofHash) => keyring.KeyedHash(CryptoPurposes.Hash.UnlockVerifier, proofHash);

    [LoggerMessage(EventId = 4320, Level = LogLevel.Information, Message = "Stored the secrets of {Count} recipients under the gateway key (unlock verifier and key share)")]
    private partial void LogUpgraded(int count);
}
