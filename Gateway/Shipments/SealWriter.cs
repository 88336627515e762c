using System.Text;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Forwarding;
using DicomGateway.Routing;
using DicomGateway.Notifications;
using DicomGateway.Studies;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace DicomGateway.Shipments;

/// <summary>
/// Writes what was decided for a study, each decision in one transaction with its audit events: shipments with their
/// recipients' secrets and notifications, and the forwards, for a sealed study; the state change for a held one; the
/// erasure of the index rows for a discarded one. Every write starts from the state the sealer read, and changes
/// nothing when the study moved meanwhile (an instance reopened it): the transaction is then rolled back.
/// </summary>
public sealed class SealWriter(StudyStore studies, ForwardQueue forwards, NotificationOutbox outbox, AuditTrail audit, ISecretProtector protector,
    StoredRecipientSecrets stored, IOptions<RecipientLinkOptions> links)
{
    /// <summary>
    /// Creates the shipments and queues the forwards, then wakes the notification and forwarding workers; false (nothing
    /// written) when the study moved meanwhile.
    /// </summary>
    public async Task<bool> SealAsync(SqliteConnection connection, Study study, SealPlan plan, StudyDataKey dataKey, int instanceCount, Manifest manifest,
        string? manifestBlob, SealActor? actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (study.State == StudyState.Receiving) await audit.RecordAsync(connection, tx, SealAudit.Received(study, now, held: null), cancellationToken).ConfigureAwait(false);
        foreach (var target in plan.Ships)
            await CreateShipmentAsync(connection, tx, study, target, dataKey, instanceCount, manifest, actor, now, cancellationToken).ConfigureAwait(false);
        foreach (var forward in plan.Forwards)
            await forwards.EnqueueAsync(connection, tx, study.Id, forward.NodeId, forward.RuleId, forward.RuleName, cancellationToken).ConfigureAwait(false);
        // A study to be forwarded keeps its gateway-wrapped key until the forwarding queue has delivered it (or an
        // administrator cancels); the queue deletes the key then.
        if (!await studies.SealAsync(connection, tx, study.Id, study.State, keepKey: plan.Forwards.Count > 0, manifestBlob, now, cancellationToken).ConfigureAwait(false))
            return false;
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (plan.Ships.Count > 0) outbox.Wake();
        if (plan.Forwards.Count > 0) forwards.Wake();
        return true;
    }

    /// <summary>
    /// Holds the study for an administrator with the plan's reason; a follow-up held because another sender sent it is
    /// recorded as a security alert in the same transaction. False (nothing written) when the study moved meanwhile.
    /// </summary>
    public async Task<bool> HoldAsync(SqliteConnection connection, Study study, SealPlan plan, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(plan);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!await studies.HoldAsync(connection, tx, study.Id, study.State, plan.HoldReason, cancellationToken).ConfigureAwait(false)) return false;
        if (study.State == StudyState.Receiving)
            await audit.RecordAsync(connection, tx, SealAudit.Received(study, now, held: plan.HoldReason), cancellationToken).ConfigureAwait(false);
        if (plan.SenderMismatch is { } mismatch)
            await audit.RecordAsync(connection, tx, SealAudit.SenderChanged(study, mismatch, now), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Erases the index rows of a study a rule or an administrator discarded, with the audit event. The caller deletes the
    /// blobs after this commits (a crash in between leaves blobs without rows, which the start-up repair deletes).
    /// </summary>
    public async Task<bool> DiscardAsync(SqliteConnection connection, Study study, int instanceCount, DiscardPlan discard, SealActor? actor, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!await studies.DiscardAsync(connection, tx, study.Id, study.State, now, cancellationToken).ConfigureAwait(false)) return false;
        if (study.State == StudyState.Receiving) await audit.RecordAsync(connection, tx, SealAudit.Received(study, now, held: null), cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(connection, tx, SealAudit.Decided(AuditEventIds.StudyDeleted, AuditAction.Delete, study, actor, now,
            new { what = "study discarded", rule = discard.RuleName, reason = discard.Reason, instances = instanceCount }), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task CreateShipmentAsync(SqliteConnection connection, SqliteTransaction tx, Study study, ShipmentTarget target, StudyDataKey dataKey,
        int instanceCount, Manifest manifest, SealActor? actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (shipmentId, reference) = await InsertShipmentAsync(connection, tx, study, target, now).ConfigureAwait(false);
        foreach (var recipient in target.Recipients)
        {
            using var secrets = RecipientSecrets.Create(dataKey.Bytes);
            var recipientId = await connection.ExecuteScalarAsync<long>(
                """
                INSERT INTO recipients (shipment_id, email, phone, language, token_hash, proof_hash, server_share, wrapped_key, code, secrets_version)
                VALUES (@shipmentId, @Email, @Phone, @Language, @TokenHash, @ProofHash, @ServerShare, @WrappedKey, @Code, @SecretsVersion)
                RETURNING id
                """,
                new
                {
                    shipmentId, recipient.Email, recipient.Phone, recipient.Language, secrets.TokenHash, ProofHash = stored.Verifier(secrets),
                    ServerShare = stored.ProtectServerShare(secrets.ServerShare), secrets.WrappedKey,
                    Code = protector.Protect(CryptoPurposes.Protect.SmsCode, Encoding.ASCII.GetBytes(secrets.Code)), SecretsVersion = StoredRecipientSecrets.Version,
                }, tx).ConfigureAwait(false);
            await outbox.EnqueueShipmentAsync(connection, tx, new ShipmentNotice
            {
                ShipmentId = shipmentId,
                RecipientId = recipientId,
                Reference = reference,
                Email = recipient.Email,
                Phone = recipient.Phone,
                Language = recipient.Language,
                Link = secrets.Link(links.Value.PublicBaseUrl),
                Code = secrets.Code,
                ExpiresAt = now.AddDays(target.ExpiryDays),
                InstanceCount = instanceCount,
                TotalBytes = manifest.TotalBytes,
                SenderName = target.SenderName,
                SenderOrganisation = target.SenderOrganisation,
            }, cancellationToken).ConfigureAwait(false);
        }
        await audit.RecordAsync(connection, tx, SealAudit.Decided(AuditEventIds.Export, AuditAction.Read, study, actor, now, new
        {
            what = actor is null ? "shipment sealed" : "held study addressed by an administrator; shipment sealed",
            reference,
            rule = target.RuleName,
            recipients = target.Recipients.Select(r => r.Email ?? r.Phone).ToArray(),
            instances = instanceCount,
            bytes = manifest.TotalBytes,
            expiresAt = now.AddDays(target.ExpiryDays),
            followUpOfGeneration = study.Generation > 0 ? study.Generation - 1 : (long?)null,
        }) with { ShipmentId = shipmentId }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(long Id, string Reference)> InsertShipmentAsync(SqliteConnection connection, SqliteTransaction tx, Study study, ShipmentTarget target,
        DateTimeOffset now)
    {
        for (var attempt = 0; ; attempt++)
        {
            var reference = ShipmentReference.New();
            var id = await connection.ExecuteScalarAsync<long?>(
                """
                INSERT INTO shipments (reference, study_id, rule_id, rule_name, state, created_at, expires_at, expiry_days, max_downloads, notify_email, sender_name, sender_organisation)
                VALUES (@reference, @StudyId, @RuleId, @RuleName, 'active', @created, @expires, @ExpiryDays, @MaxDownloads, @NotifyEmail, @SenderName, @SenderOrganisation)
                ON CONFLICT (reference) DO NOTHING
                RETURNING id
                """,
                new
                {
                    reference, StudyId = study.Id, target.RuleId, target.RuleName, created = now.ToUnixTimeMilliseconds(),
                    expires = now.AddDays(target.ExpiryDays).ToUnixTimeMilliseconds(), target.ExpiryDays, target.MaxDownloads, target.NotifyEmail,
                    target.SenderName, target.SenderOrganisation,
                }, tx).ConfigureAwait(false);
            if (id is { } ok) return (ok, reference);
            if (attempt > 20) throw new InvalidOperationException("Could not find a free shipment reference");
        }
    }
}
