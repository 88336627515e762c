using System.Security.Cryptography;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Notifications;
using DicomGateway.Studies;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Shipments;

/// <summary>
/// A recipient opening a shipment. The client proves it knows E (from the link) and S (from the SMS) by sending a
/// value derived from both; the server compares its hash in constant time and only then releases the key share
/// Ks and the wrapped data key. Wrong proofs are counted per recipient, so one recipient's link cannot lock the
/// others out; after <see cref="ShipmentOptions.MaxCodeAttempts"/> the recipient is locked until an administrator
/// unlocks it, which survives restarts because the count is in the database. Unknown, locked, expired, revoked and
/// used-up shipments all give the same answer, and attempts on them are counted in the audit trail per minute
/// (<see cref="AuditAggregator"/>) rather than one row each, so a flood of made-up tokens costs bounded storage.
/// </summary>
public sealed partial class RecipientAccess(GatewayDatabase database, StudyStore studies, AuditTrail audit, AuditAggregator aggregated, NotificationOutbox outbox,
    IOptions<ShipmentOptions> options, TimeProvider time, StoredRecipientSecrets stored, ShipmentMetrics metrics, ILogger<RecipientAccess> logger)
{
    public abstract record UnlockResult;

    public sealed record Unlocked(long ShipmentId, long RecipientId, long StudyId, string Reference, byte[] ServerShare, byte[] WrappedKey, DateTimeOffset ExpiresAt) : UnlockResult;

    public sealed record WrongCode(int AttemptsLeft) : UnlockResult;

    public sealed record Unavailable : UnlockResult;

    private sealed class Row
    {
        public long RecipientId { get; init; }
        public long ShipmentId { get; init; }
        public long StudyId { get; init; }
        public string Reference { get; init; } = "";
        public string State { get; init; } = "";
        public long ExpiresAt { get; init; }
        public long? MaxDownloads { get; init; }
        public long DownloadCount { get; init; }
        public long FailedAttempts { get; init; }
        public long? LockedAt { get; init; }
        public byte[]? ProofHash { get; init; }
        public byte[]? ServerShare { get; init; }
        public byte[]? WrappedKey { get; init; }
        public string? Email { get; init; }
        public string? Phone { get; init; }
        public byte[]? PatientRef { get; set; }
        public string? ManifestBlob { get; set; }
        public bool AnyOpened { get; init; }
    }

    public async Task<UnlockResult> UnlockAsync(ReadOnlyMemory<byte> token, ReadOnlyMemory<byte> proof, string? clientAddress, CancellationToken cancellationToken)
    {
        var tokenHash = ShipmentKeys.TokenHash(token.Span);
        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            """
            SELECT r.id AS RecipientId, s.id AS ShipmentId, s.study_id AS StudyId, s.reference AS Reference, s.state AS State, s.expires_at AS ExpiresAt,
                   s.max_downloads AS MaxDownloads, s.download_count AS DownloadCount, r.failed_attempts AS FailedAttempts, r.locked_at AS LockedAt,
                   r.proof_hash AS ProofHash, r.server_share AS ServerShare, r.wrapped_key AS WrappedKey, r.email AS Email, r.phone AS Phone,
                   EXISTS (SELECT 1 FROM recipients o WHERE o.shipment_id = s.id AND o.first_opened_at IS NOT NULL) AS AnyOpened
            FROM recipients r JOIN shipments s ON s.id = r.shipment_id
            WHERE r.token_hash = @tokenHash
            """, new { tokenHash }, tx).ConfigureAwait(false);
        if (row is not null && await studies.FindAsync(connection, tx, row.StudyId, cancellationToken).ConfigureAwait(false) is { } study)
            (row.PatientRef, row.ManifestBlob) = (study.PatientRef, study.ManifestBlob);

        if (row is null)
        {
            aggregated.Count(Attempt(null, clientAddress, AuditOutcome.MinorFailure, "unknown link"), clientAddress);
            metrics.UnlockAttempt(ShipmentMetrics.UnlockOutcomes.Unavailable);
            return new Unavailable();
        }
        // A shipment in state 'locked' was locked by wrong codes before they were counted per recipient; it stays closed.
        var openable = row.State == "active" && row.ExpiresAt > now.ToUnixTimeMilliseconds() && row.ProofHash is not null && row.ServerShare is not null
            && row.WrappedKey is not null && row.ManifestBlob is not null;
        if (!openable || row.LockedAt is not null)
        {
            aggregated.Count(Attempt(row, clientAddress, AuditOutcome.MinorFailure, openable ? "recipient locked" : "shipment not openable: " + row.State), clientAddress);
            metrics.UnlockAttempt(openable ? ShipmentMetrics.UnlockOutcomes.Locked : ShipmentMetrics.UnlockOutcomes.Unavailable);
            return new Unavailable();
        }
        if (!stored.VerifyProof(proof.Span, row.ProofHash))
        {
            var failed = row.FailedAttempts + 1;
            var max = options.Value.MaxCodeAttempts;
            var locked = failed >= max;
            await connection.ExecuteAsync(
                "UPDATE recipients SET failed_attempts = @failed, locked_at = CASE WHEN @locked THEN @at ELSE locked_at END WHERE id = @RecipientId",
                new { failed, locked, at = now.ToUnixTimeMilliseconds(), row.RecipientId }, tx).ConfigureAwait(false);
            await audit.RecordAsync(connection, tx, Attempt(row, clientAddress, locked ? AuditOutcome.SeriousFailure : AuditOutcome.MinorFailure,
                locked ? "wrong code; recipient locked" : "wrong code"), cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            metrics.UnlockAttempt(ShipmentMetrics.UnlockOutcomes.WrongCode);
            if (locked)
            {
                metrics.Lockout();
                LogLocked(row.Reference, row.RecipientId, failed);
            }
            return new WrongCode((int)Math.Max(0, max - failed));
        }

        var downloads = row.DownloadCount + 1;
        var exhausted = row.MaxDownloads is { } limit && downloads >= limit;
        var at = now.ToUnixTimeMilliseconds();
        await connection.ExecuteAsync(
            """
            UPDATE shipments SET download_count = @downloads,
                   state = CASE WHEN @exhausted THEN 'exhausted' ELSE state END, ended_at = CASE WHEN @exhausted THEN @at ELSE ended_at END
            WHERE id = @ShipmentId
            """, new { downloads, exhausted, at, row.ShipmentId }, tx).ConfigureAwait(false);
        await connection.ExecuteAsync(
            "UPDATE recipients SET open_count = open_count + 1, first_opened_at = coalesce(first_opened_at, @at), failed_attempts = 0 WHERE id = @RecipientId",
            new { at, row.RecipientId }, tx).ConfigureAwait(false);
        await audit.RecordAsync(connection, tx, Attempt(row, clientAddress, AuditOutcome.Success, "unlocked"), cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(connection, tx, new AuditEvent
        {
            EventId = AuditEventIds.Export,
            Action = AuditAction.Read,
            Outcome = AuditOutcome.Success,
            ActorKind = AuditActorKind.Recipient,
            Actor = row.Email ?? row.Phone ?? "recipient",
            ActorAddress = clientAddress,
            StudyId = row.StudyId,
            ShipmentId = row.ShipmentId,
            RecipientId = row.RecipientId,
            PatientRef = row.PatientRef,
            Detail = new { what = "shipment opened: keys released to the recipient", reference = row.Reference, opening = downloads, limit = row.MaxDownloads },
        }, cancellationToken).ConfigureAwait(false);
        if (!row.AnyOpened)
            await outbox.EnqueueSenderNoticeAsync(connection, tx, row.ShipmentId, SenderNoticeKind.Opened, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (!row.AnyOpened) outbox.Wake();
        metrics.UnlockAttempt(ShipmentMetrics.UnlockOutcomes.Success);
        LogOpened(row.Reference);
        return new Unlocked(row.ShipmentId, row.RecipientId, row.StudyId, row.Reference, stored.ServerShare(row.ServerShare!), row.WrappedKey!, DateTimeOffset.FromUnixTimeMilliseconds(row.ExpiresAt));
    }

    /// <summary>
    /// Audits a ZIP download announced by the recipient's viewer (110106 Export: data left the shipment as files).
    /// The scope is "study" or "series"; the series UID itself is not stored, it comes from inside the encrypted manifest.
    /// </summary>
    public async Task RecordDownloadAsync(long shipmentId, long recipientId, string scope, int files, string? clientAddress, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<(long StudyId, string Reference, string? Email, string? Phone)>(
            """
            SELECT s.study_id, s.reference, r.email, r.phone
            FROM shipments s JOIN recipients r ON r.shipment_id = s.id
            WHERE s.id = @shipmentId AND r.id = @recipientId
            """, new { shipmentId, recipientId }).ConfigureAwait(false);
        var patientRef = await studies.PatientRefAsync(connection, null, row.StudyId, cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(connection, null, new AuditEvent
        {
            EventId = AuditEventIds.Export,
            Action = AuditAction.Read,
            Outcome = AuditOutcome.Success,
            ActorKind = AuditActorKind.Recipient,
            Actor = row.Email ?? row.Phone ?? "recipient",
            ActorAddress = clientAddress,
            StudyId = row.StudyId,
            ShipmentId = shipmentId,
            RecipientId = recipientId,
            PatientRef = patientRef,
            Detail = new { what = "downloaded as a ZIP of DICOM files", reference = row.Reference, scope, files },
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The blob file of ordinal <paramref name="ordinal"/> of a study (0: the manifest), if the shipment may still be read.</summary>
    public async Task<string?> BlobAsync(long shipmentId, int ordinal, CancellationToken cancellationToken)
    {
        long? studyId;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            studyId = await connection.QuerySingleOrDefaultAsync<long?>(
                "SELECT study_id FROM shipments WHERE id = @shipmentId AND state IN ('active', 'exhausted')", new { shipmentId }).ConfigureAwait(false);
        }
        return studyId is { } id ? await studies.SealedBlobAsync(id, ordinal, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>The recipient and shipment behind a link token, for "send the code again".</summary>
    public async Task<long?> RecipientOfTokenAsync(ReadOnlyMemory<byte> token, CancellationToken cancellationToken)
    {
        var tokenHash = ShipmentKeys.TokenHash(token.Span);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<long?>(
            "SELECT r.id FROM recipients r JOIN shipments s ON s.id = r.shipment_id WHERE r.token_hash = @tokenHash AND r.locked_at IS NULL AND s.state = 'active' AND s.expires_at > @now",
            new { tokenHash, now = time.GetUtcNow().ToUnixTimeMilliseconds() }).ConfigureAwait(false);
    }

    private static AuditEvent Attempt(Row? row, string? clientAddress, AuditOutcome outcome, string what) => new()
    {
        EventId = AuditEventIds.UserAuthentication,
        EventType = AuditEventTypes.Login,
        Action = AuditAction.Execute,
        Outcome = outcome,
        ActorKind = AuditActorKind.Recipient,
        Actor = row?.Email ?? row?.Phone ?? "unknown",
        ActorAddress = clientAddress,
        StudyId = row?.StudyId,
        ShipmentId = row?.ShipmentId,
        RecipientId = row?.RecipientId,
        Detail = new { what, reference = row?.Reference },
    };

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Recipient {RecipientId} of shipment {Reference} locked after {Attempts} wrong codes")]
    private partial void LogLocked(string reference, long recipientId, long attempts);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Information, Message = "Shipment {Reference} opened by a recipient")]
    private partial void LogOpened(string reference);
}
