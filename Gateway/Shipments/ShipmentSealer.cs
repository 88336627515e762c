using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Ingest;
using DicomGateway.Notifications;
using DicomGateway.Routing;
using DicomGateway.Storage;
using DicomGateway.Web;
using DicomKit.Data;
using DicomKit.IO;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Shipments;

/// <summary>
/// Turns a complete study into shipments. Routing decides the recipients (or, for a follow-up generation, the
/// previous generation's shipments do); the table of contents is encrypted as blob 0; each recipient gets a link
/// token, a code and a key share, and the study's data key is wrapped for them; the notifications are queued in
/// the same transaction; then the gateway's own copy of the data key is deleted. From then on the gateway cannot
/// read the study. A study that no rule addresses is held, still readable by the gateway, for an administrator.
/// </summary>
public sealed partial class ShipmentSealer(
    GatewayDatabase database, OpenStudies studies, BlobStore blobs, RuleStore rules, NotificationOutbox outbox, AuditTrail audit, ISecretProtector protector,
    IOptions<ShipmentOptions> options, IOptions<WebOptions> web, TimeProvider time, ILogger<ShipmentSealer> logger)
{
    public enum Outcome { Busy, Sealed, Held, Empty, Failed }

    /// <summary>The SMS code is kept, under the gateway key, for "send the code again" until the shipment ends.</summary>
    public const string CodePurpose = "sms-code";

    private sealed record StudyRow(long Id, byte[] StudyKey, long Generation, byte[] WrappedKey, string CallingAe, string CalledAe, string? RemoteHost,
        byte[]? PatientRef, long InstanceCount, long TotalBytes);

    private sealed record InstanceRow(long Id, long Ordinal, string Blob, long PlaintextLength, long CiphertextLength, byte[] Summary);

    /// <summary>Seals every study that has been quiet for the stable time. Returns how many were sealed or held.</summary>
    public async Task<int> SealStableStudiesAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().AddSeconds(-options.Value.StableStudySeconds).ToUnixTimeMilliseconds();
        List<StudyRow> due;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            due = (await connection.QueryAsync<StudyRow>(
                """
                SELECT id AS Id, study_key AS StudyKey, generation AS Generation, wrapped_key AS WrappedKey, calling_ae AS CallingAe, called_ae AS CalledAe,
                       remote_host AS RemoteHost, patient_ref AS PatientRef, instance_count AS InstanceCount, total_bytes AS TotalBytes
                FROM studies WHERE state = 'receiving' AND last_received_at <= @cutoff ORDER BY last_received_at
                """, new { cutoff }).ConfigureAwait(false)).ToList();
        }
        var done = 0;
        var now = time.GetUtcNow();
        foreach (var study in due)
        {
            if (_failures.TryGetValue(study.Id, out var failure) && now < failure.RetryAt) continue;
            var outcome = await SealAsync(study, cancellationToken).ConfigureAwait(false);
            if (outcome is Outcome.Sealed or Outcome.Held or Outcome.Empty)
            {
                done++;
                _failures.Remove(study.Id);
            }
            else if (outcome == Outcome.Failed)
            {
                // 1 s, 2 s, 4 s, ... up to 5 minutes: a study that cannot be sealed (e.g. its first blob is unreadable)
                // does not fill the log every second, and is tried again without a restart.
                var count = (failure?.Count ?? 0) + 1;
                _failures[study.Id] = new SealFailure(count, now + TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, count - 1))));
            }
        }
        return done;
    }

    private sealed record SealFailure(int Count, DateTimeOffset RetryAt);

    /// <summary>Studies whose last seal failed, by id; used only by the single sealing loop.</summary>
    private readonly Dictionary<long, SealFailure> _failures = [];

    private async Task<Outcome> SealAsync(StudyRow study, CancellationToken cancellationToken)
    {
        var dataKey = studies.TryBeginSeal(study.Id, study.StudyKey, study.WrappedKey);
        if (dataKey is null) return Outcome.Busy;
        string? manifestBlob = null;
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            var instances = (await connection.QueryAsync<InstanceRow>(
                "SELECT id AS Id, ordinal AS Ordinal, blob AS Blob, plaintext_length AS PlaintextLength, ciphertext_length AS CiphertextLength, summary AS Summary FROM instances WHERE study_id = @Id ORDER BY ordinal", new { study.Id })
                .ConfigureAwait(false)).ToList();
            if (instances.Count == 0)
            {
                // Every instance of it was aborted or reconciled away: nothing to ship.
                await connection.ExecuteAsync("DELETE FROM studies WHERE id = @Id", new { study.Id }).ConfigureAwait(false);
                return Outcome.Empty;
            }
            var headers = instances.Select(i => (Header: JsonSerializer.Deserialize<InstanceHeader>(SummaryCipher.Decrypt(dataKey, i.Summary), SummaryJson.Options)!,
                Ordinal: (int)i.Ordinal, i.PlaintextLength, i.CiphertextLength)).ToList();

            var targets = await TargetsAsync(connection, study, instances[0], dataKey, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            if (targets.Count == 0)
            {
                await using var holdTx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync("UPDATE studies SET state = 'held' WHERE id = @Id", new { study.Id }, holdTx).ConfigureAwait(false);
                await audit.RecordAsync(connection, holdTx, Received(study, now, held: true), cancellationToken).ConfigureAwait(false);
                await holdTx.CommitAsync(cancellationToken).ConfigureAwait(false);
                LogHeld(study.Id, instances.Count);
                return Outcome.Held;
            }

            var manifest = Manifest.Build(headers);
            manifestBlob = await WriteManifestAsync(manifest, dataKey, cancellationToken).ConfigureAwait(false);

            var notices = new List<ShipmentNotice>();
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(connection, tx, Received(study, now, held: false), cancellationToken).ConfigureAwait(false);
            foreach (var target in targets)
            {
                var shipmentId = await InsertShipmentAsync(connection, tx, study, target, now).ConfigureAwait(false);
                var reference = await connection.ExecuteScalarAsync<string>("SELECT reference FROM shipments WHERE id = @shipmentId", new { shipmentId }, tx).ConfigureAwait(false);
                foreach (var recipient in target.Recipients)
                {
                    using var secrets = RecipientSecrets.Create(dataKey);
                    var recipientId = await connection.ExecuteScalarAsync<long>(
                        """
                        INSERT INTO recipients (shipment_id, email, phone, language, token_hash, proof_hash, server_share, wrapped_key, code)
                        VALUES (@shipmentId, @Email, @Phone, @Language, @TokenHash, @ProofHash, @ServerShare, @WrappedKey, @Code)
                        RETURNING id
                        """,
                        new
                        {
                            shipmentId, recipient.Email, recipient.Phone, recipient.Language, secrets.TokenHash, secrets.ProofHash,
                            secrets.ServerShare, secrets.WrappedKey, Code = protector.Protect(CodePurpose, Encoding.ASCII.GetBytes(secrets.Code)),
                        }, tx).ConfigureAwait(false);
                    var notice = new ShipmentNotice
                    {
                        ShipmentId = shipmentId,
                        RecipientId = recipientId,
                        Reference = reference!,
                        Email = recipient.Email,
                        Phone = recipient.Phone,
                        Language = recipient.Language,
                        Link = secrets.Link(web.Value.PublicBaseUrl),
                        Code = secrets.Code,
                        ExpiresAt = now.AddDays(target.ExpiryDays),
                        InstanceCount = instances.Count,
                        TotalBytes = manifest.TotalBytes,
                        SenderName = target.SenderName,
                        SenderOrganisation = target.SenderOrganisation,
                    };
                    await outbox.EnqueueShipmentAsync(connection, tx, notice, cancellationToken).ConfigureAwait(false);
                }
                await audit.RecordAsync(connection, tx, new AuditEvent
                {
                    EventId = AuditEventIds.Export,
                    Action = AuditAction.Read,
                    Outcome = AuditOutcome.Success,
                    ActorKind = AuditActorKind.Gateway,
                    Actor = "gateway",
                    StudyId = study.Id,
                    ShipmentId = shipmentId,
                    PatientRef = study.PatientRef,
                    Detail = new
                    {
                        what = "shipment sealed",
                        reference,
                        rule = target.RuleName,
                        recipients = target.Recipients.Select(r => r.Email ?? r.Phone).ToArray(),
                        instances = instances.Count,
                        bytes = manifest.TotalBytes,
                        expiresAt = now.AddDays(target.ExpiryDays),
                        followUpOfGeneration = study.Generation > 0 ? study.Generation - 1 : (long?)null,
                    },
                }, cancellationToken).ConfigureAwait(false);
            }
            await connection.ExecuteAsync(
                "UPDATE studies SET state = 'sealed', wrapped_key = NULL, manifest_blob = @manifestBlob, sealed_at = @at WHERE id = @Id",
                new { manifestBlob, at = now.ToUnixTimeMilliseconds(), study.Id }, tx).ConfigureAwait(false);
            await connection.ExecuteAsync("UPDATE instances SET summary = NULL WHERE study_id = @Id", new { study.Id }, tx).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            manifestBlob = null; // committed: no longer ours to delete
            outbox.Wake();
            LogSealed(study.Id, instances.Count, targets.Count, targets.Sum(t => t.Recipients.Count));
            // The wrapped data key was overwritten in the database file (secure_delete); move the WAL's copy out too.
            await database.CheckpointAsync(cancellationToken).ConfigureAwait(false);
            return Outcome.Sealed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSealFailed(e, study.Id);
            return Outcome.Failed;
        }
        finally
        {
            if (manifestBlob is not null) blobs.Delete(manifestBlob);
            CryptographicOperations.ZeroMemory(dataKey);
            studies.EndSeal(study.StudyKey);
        }
    }

    private AuditEvent Received(StudyRow study, DateTimeOffset now, bool held) => new()
    {
        EventId = AuditEventIds.InstancesTransferred,
        Action = AuditAction.Create,
        Outcome = AuditOutcome.Success,
        ActorKind = AuditActorKind.Node,
        Actor = study.CallingAe,
        ActorAddress = study.RemoteHost,
        StudyId = study.Id,
        PatientRef = study.PatientRef,
        OccurredAt = now,
        Detail = new { what = held ? "study received; no rule matched, held for an administrator" : "study received", calledAeTitle = study.CalledAe, study.Generation },
    };

    /// <summary>A shipment to create: one per matched rule, or per shipment of the previous generation.</summary>
    private sealed record Target(long? RuleId, string? RuleName, int ExpiryDays, int? MaxDownloads, string? NotifyEmail, string? SenderName, string? SenderOrganisation,
        IReadOnlyList<(string? Email, string? Phone, string Language)> Recipients);

    private async Task<List<Target>> TargetsAsync(SqliteConnection connection, StudyRow study, InstanceRow first, byte[] dataKey, CancellationToken cancellationToken)
    {
        if (study.Generation > 0)
        {
            // A follow-up goes to the recipients of the latest sealed generation, with the same terms.
            var previous = (await connection.QueryAsync<(long Id, long? RuleId, string? RuleName, long ExpiryDays, long? MaxDownloads, string? NotifyEmail, string? SenderName, string? SenderOrganisation)>(
                """
                SELECT sh.id, sh.rule_id, sh.rule_name, sh.expiry_days, sh.max_downloads, sh.notify_email, sh.sender_name, sh.sender_organisation
                FROM shipments sh JOIN studies st ON st.id = sh.study_id
                WHERE st.study_key = @StudyKey AND st.generation = (SELECT max(generation) FROM studies WHERE study_key = @StudyKey AND generation < @Generation AND state IN ('sealed', 'erased'))
                ORDER BY sh.id
                """, new { study.StudyKey, study.Generation }).ConfigureAwait(false)).ToList();
            var targets = new List<Target>();
            foreach (var p in previous)
            {
                var people = (await connection.QueryAsync<(string? Email, string? Phone, string Language)>(
                    "SELECT email, phone, language FROM recipients WHERE shipment_id = @Id ORDER BY id", new { p.Id }).ConfigureAwait(false)).ToList();
                targets.Add(new Target(p.RuleId, p.RuleName, (int)p.ExpiryDays, (int?)p.MaxDownloads, p.NotifyEmail, p.SenderName, p.SenderOrganisation, people));
            }
            if (targets.Count > 0) return targets;
        }

        var header = ReadHeader(first, dataKey);
        var decision = await rules.EvaluateAsync(new RoutingInput
        {
            CallingAeTitle = study.CallingAe,
            CalledAeTitle = study.CalledAe,
            RemoteAddress = study.RemoteHost,
            Header = header,
        }, cancellationToken).ConfigureAwait(false);
        return decision.Ships
            .Select(s => new Target(s.RuleId, s.RuleName, s.ExpiryDays, s.MaxDownloads, s.NotifyEmail, s.SenderName, s.SenderOrganisation,
                s.Recipients.Select(p => (p.Email, p.Phone, p.Language)).ToList()))
            .ToList();
    }

    /// <summary>
    /// The first instance's attributes for routing: its blob is decrypted a segment at a time up to the pixel data,
    /// in memory. Any attribute of the header can be matched, not only those in the table of contents.
    /// </summary>
    private DicomDataset ReadHeader(InstanceRow first, byte[] dataKey)
    {
        using var file = new FileStream(blobs.PathOf(first.Blob), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        using var plaintext = SegmentedDecryptingStream.Open(file, dataKey, (uint)first.Ordinal, leaveOpen: true);
        return DicomFile.Open(plaintext, DicomReadOptions.Default with { StopAtTag = new DicomTag(0x7FE0, 0x0008), LargeValueThreshold = 16 * 1024 * 1024 }).Dataset;
    }

    private async Task<string> WriteManifestAsync(Manifest manifest, byte[] dataKey, CancellationToken cancellationToken)
    {
        await using var pending = blobs.Create();
        await using (var encryptor = new SegmentedEncryptingStream(pending.Stream, dataKey, 0, leaveOpen: true))
        {
            await JsonSerializer.SerializeAsync(encryptor, manifest, SummaryJson.Options, cancellationToken).ConfigureAwait(false);
            await encryptor.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        await pending.CommitAsync(cancellationToken).ConfigureAwait(false);
        await pending.SyncDirectoryAsync(cancellationToken).ConfigureAwait(false);
        return pending.Id;
    }

    private static async Task<long> InsertShipmentAsync(SqliteConnection connection, SqliteTransaction tx, StudyRow study, Target target, DateTimeOffset now)
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
            if (id is { } ok) return ok;
            if (attempt > 20) throw new InvalidOperationException("Could not find a free shipment reference");
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Study {StudyId} sealed: {Instances} instances into {Shipments} shipments for {Recipients} recipients")]
    private partial void LogSealed(long studyId, int instances, int shipments, int recipients);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Study {StudyId} ({Instances} instances) matches no routing rule; it is held for an administrator")]
    private partial void LogHeld(long studyId, int instances);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Sealing study {StudyId} failed; it stays unsealed and is tried again with growing delays")]
    private partial void LogSealFailed(Exception exception, long studyId);
}

/// <summary>Short shipment references for people: 8 Crockford base32 characters as XXXX-XXXX, random.</summary>
public static class ShipmentReference
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New()
    {
        Span<char> chars = stackalloc char[9];
        for (var i = 0; i < 9; i++) chars[i] = i == 4 ? '-' : Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return new string(chars);
    }
}
