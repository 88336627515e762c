using System.Text.Json;
using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomKit.Network;

namespace DicomGateway.Commitment;

/// <summary>
/// The commitment requests answered with success and not yet reported (table <c>storage_commitments</c>). The
/// Transaction UID and the SOP instance UIDs identify a patient's images, so they are kept only under the gateway key
/// (<see cref="CryptoPurposes.Protect.StorageCommitment"/>), and the row is deleted once the report is delivered.
/// </summary>
public sealed class CommitmentStore(GatewayDatabase database, ISecretProtector protector, TimeProvider time)
{
    /// <summary>One stored request, with who asked for it.</summary>
    public sealed record Stored(long Id, string CallingAeTitle, string CalledAeTitle, string? RemoteHost, StorageCommitmentRequest Request, int Attempts);

    private sealed record Payload(string TransactionUid, string[][] Sops);

    /// <summary>This process's mark on the requests its live associations are reporting; a restarted gateway has another.</summary>
    private readonly string _claim = Guid.NewGuid().ToString("N");

    /// <summary>
    /// Stores a request durably (the database commits with synchronous=FULL) and returns its id. The row is written
    /// already claimed for the association that carried it: <see cref="PendingAsync"/> does not offer it to the delivery
    /// worker until <see cref="ReleaseAsync"/>, or until the gateway restarts.
    /// </summary>
    public async Task<long> AddAsync(StorageCommitmentContext context, StorageCommitmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Payload(request.TransactionUid, [.. request.ReferencedSops.Select(s => new[] { s.SopClassUid, s.SopInstanceUid })]));
        var sealedRequest = protector.Protect(CryptoPurposes.Protect.StorageCommitment, payload);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO storage_commitments (calling_ae, called_ae, remote_host, request, received_at, claimed_by)
            VALUES (@calling, @called, @remote, @sealedRequest, @now, @claim) RETURNING id
            """, new
        {
            calling = context.CallingAeTitle,
            called = context.CalledAeTitle,
            remote = context.RemoteEndPoint?.Address.ToString(),
            sealedRequest,
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            claim = _claim,
        }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Every request still to be reported whose next delivery is due by <paramref name="dueBy"/> (all when null), oldest
    /// first: what a restarted gateway still owes. Requests claimed by an association of this process are left out.
    /// </summary>
    public async Task<IReadOnlyList<Stored>> PendingAsync(CancellationToken cancellationToken, DateTimeOffset? dueBy = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, string CallingAe, string CalledAe, string? RemoteHost, byte[] Request, long Attempts)>(new CommandDefinition(
            """
            SELECT id, calling_ae, called_ae, remote_host, request, attempts FROM storage_commitments
            WHERE next_attempt_at <= @due AND (claimed_by IS NULL OR claimed_by <> @claim) ORDER BY id
            """,
            new { due = dueBy?.ToUnixTimeMilliseconds() ?? long.MaxValue, claim = _claim }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new Stored(r.Id, r.CallingAe, r.CalledAe, r.RemoteHost, Open(r.Request), (int)r.Attempts))];
    }

    /// <summary>The report was delivered: nothing identifying is kept.</summary>
    public async Task DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM storage_commitments WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The request's own association ended without delivering its report: the delivery worker takes it from here.</summary>
    public async Task ReleaseAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE storage_commitments SET claimed_by = NULL WHERE id = @id", new { id },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Counts one more failed delivery and sets when the next is due.</summary>
    public async Task CountAttemptAsync(long id, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE storage_commitments SET attempts = attempts + 1, next_attempt_at = @next WHERE id = @id",
            new { id, next = nextAttemptAt.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private StorageCommitmentRequest Open(byte[] sealedRequest)
    {
        var payload = JsonSerializer.Deserialize<Payload>(protector.Unprotect(CryptoPurposes.Protect.StorageCommitment, sealedRequest))
            ?? throw new InvalidDataException("empty storage commitment payload");
        return new StorageCommitmentRequest(payload.TransactionUid, [.. payload.Sops.Select(p => new ReferencedSop(p[0], p[1]))]);
    }
}
