using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Forwarding;
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
    GatewayDatabase database, OpenStudies studies, BlobStore blobs, RuleStore rules, ForwardQueue forwards, NotificationOutbox outbox, AuditTrail audit, ISecretProtector protector,
    IOptions<ShipmentOptions> options, IOptions<WebOptions> web, TimeProvider time, ILogger<ShipmentSealer> logger)
{
    public enum Outcome { Busy, Sealed, Held, Discarded, Empty, Failed, NotFound }

    /// <summary>The SMS code is kept, under the gateway key, for "send the code again" until the shipment ends.</summary>
    public const string CodePurpose = "sms-code";

    /// <summary>
    /// What to do with a study: route it by the saved rules (what the sealing loop does), or what an administrator
    /// decided for a held study (address it to recipients, discard it).
    /// </summary>
    public abstract record Directive
    {
        public static Directive Route { get; } = new RouteDirective();

        private Directive() { }

        public sealed record RouteDirective : Directive;

        public sealed record AddressDirective(ShipPlan Ship) : Directive;

        public sealed record DiscardDirective(string? Reason) : Directive;
    }

    /// <summary>Who acts, when it is not the gateway itself: the administrator's account name and address.</summary>
    public sealed record Actor(string Name, string? Address);

    internal sealed record StudyRow(long Id, byte[] StudyKey, long Generation, string State, byte[] WrappedKey, string CallingAe, string CalledAe, string? RemoteHost,
        byte[]? PatientRef, long InstanceCount, long TotalBytes, long FirstReceivedAt);

    private sealed record InstanceRow(long Id, long Ordinal, string Blob, long PlaintextLength, long CiphertextLength, byte[]? Summary);

    internal const string StudyColumns =
        """
        id AS Id, study_key AS StudyKey, generation AS Generation, state AS State, wrapped_key AS WrappedKey, calling_ae AS CallingAe, called_ae AS CalledAe,
        remote_host AS RemoteHost, patient_ref AS PatientRef, instance_count AS InstanceCount, total_bytes AS TotalBytes, first_received_at AS FirstReceivedAt
        """;

    /// <summary>Seals every study that has been quiet for the stable time. Returns how many were sealed, held or discarded.</summary>
    public async Task<int> SealStableStudiesAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().AddSeconds(-options.Value.StableStudySeconds).ToUnixTimeMilliseconds();
        List<StudyRow> due;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            due = (await connection.QueryAsync<StudyRow>(
                $"SELECT {StudyColumns} FROM studies WHERE state = 'receiving' AND last_received_at <= @cutoff ORDER BY last_received_at", new { cutoff }).ConfigureAwait(false)).ToList();
        }
        var done = 0;
        var now = time.GetUtcNow();
        foreach (var study in due)
        {
            if (_failures.TryGetValue(study.Id, out var failure) && now < failure.RetryAt) continue;
            var outcome = await ProcessAsync(study, Directive.Route, null, cancellationToken).ConfigureAwait(false);
            if (outcome is Outcome.Sealed or Outcome.Held or Outcome.Discarded or Outcome.Empty)
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

    /// <summary>
    /// Carries out an administrator's decision on a held study. <see cref="Outcome.NotFound"/> when the study is not
    /// held (any more); <see cref="Outcome.Busy"/> when an instance of it is arriving right now.
    /// </summary>
    public async Task<Outcome> ProcessHeldAsync(long studyId, Directive directive, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directive);
        ArgumentNullException.ThrowIfNull(actor);
        StudyRow? study;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            study = await connection.QuerySingleOrDefaultAsync<StudyRow>(
                $"SELECT {StudyColumns} FROM studies WHERE id = @studyId AND state = 'held'", new { studyId }).ConfigureAwait(false);
        }
        if (study is null) return Outcome.NotFound;
        return await ProcessAsync(study, directive, actor, cancellationToken).ConfigureAwait(false);
    }

    private sealed record SealFailure(int Count, DateTimeOffset RetryAt);

    /// <summary>Studies whose last seal failed, by id; used only by the single sealing loop.</summary>
    private readonly Dictionary<long, SealFailure> _failures = [];

    /// <summary>What routing (or an administrator) decided for a study, in the sealer's terms.</summary>
    private sealed record Plan(RoutingDisposition Disposition, IReadOnlyList<Target> Ships, IReadOnlyList<ForwardPlan> Forwards, DiscardPlan? Discard)
    {
        public static Plan Held { get; } = new(RoutingDisposition.Held, [], [], null);
    }

    private async Task<Outcome> ProcessAsync(StudyRow study, Directive directive, Actor? actor, CancellationToken cancellationToken)
    {
        var dataKey = studies.TryBeginSeal(study.Id, study.StudyKey, study.WrappedKey);
        if (dataKey is null) return Outcome.Busy;
        string? manifestBlob = null;
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Re-read under the seal: the study may have changed state since it was listed.
            var current = await connection.ExecuteScalarAsync<string?>("SELECT state FROM studies WHERE id = @Id", new { study.Id }).ConfigureAwait(false);
            if (current != study.State) return Outcome.NotFound;
            var instances = (await connection.QueryAsync<InstanceRow>(
                "SELECT id AS Id, ordinal AS Ordinal, blob AS Blob, plaintext_length AS PlaintextLength, ciphertext_length AS CiphertextLength, summary AS Summary FROM instances WHERE study_id = @Id ORDER BY ordinal", new { study.Id })
                .ConfigureAwait(false)).ToList();
            if (instances.Count == 0)
            {
                // Every instance of it was aborted or reconciled away: nothing to ship.
                await connection.ExecuteAsync("DELETE FROM studies WHERE id = @Id", new { study.Id }).ConfigureAwait(false);
                return Outcome.Empty;
            }

            var plan = directive switch
            {
                Directive.AddressDirective a => new Plan(RoutingDisposition.Act, [Target.From(a.Ship)], [], null),
                Directive.DiscardDirective d => new Plan(RoutingDisposition.Discard, [], [], new DiscardPlan(null, null, d.Reason)),
                _ => await PlanAsync(connection, study, instances[0], dataKey, cancellationToken).ConfigureAwait(false),
            };
            var now = time.GetUtcNow();
            switch (plan.Disposition)
            {
                case RoutingDisposition.Held:
                    return await HoldAsync(connection, study, instances.Count, now, cancellationToken).ConfigureAwait(false) ? Outcome.Held : Outcome.NotFound;
                case RoutingDisposition.Discard:
                    return await DiscardAsync(connection, study, instances, plan.Discard!, actor, now, cancellationToken).ConfigureAwait(false)
                        ? Outcome.Discarded
                        : Outcome.NotFound;
            }

            var headers = instances.Select(i => (Header: JsonSerializer.Deserialize<InstanceHeader>(SummaryCipher.Decrypt(dataKey, i.Summary!), SummaryJson.Options)!,
                Ordinal: (int)i.Ordinal, i.PlaintextLength, i.CiphertextLength)).ToList();
            var manifest = Manifest.Build(headers);
            if (plan.Ships.Count > 0) manifestBlob = await WriteManifestAsync(manifest, dataKey, cancellationToken).ConfigureAwait(false);

            var keepKey = plan.Forwards.Count > 0;
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (study.State == "receiving") await audit.RecordAsync(connection, tx, Received(study, now, held: false), cancellationToken).ConfigureAwait(false);
            foreach (var target in plan.Ships)
                await CreateShipmentAsync(connection, tx, study, target, dataKey, instances.Count, manifest, actor, now, cancellationToken).ConfigureAwait(false);
            foreach (var forward in plan.Forwards)
                await forwards.EnqueueAsync(connection, tx, study.Id, forward.NodeId, forward.RuleId, forward.RuleName, cancellationToken).ConfigureAwait(false);
            // A study to be forwarded keeps its gateway-wrapped key until the forwarding queue has delivered it (or an
            // administrator cancels); the queue deletes the key then.
            // Only from the state it was read in: anything else means an instance reopened it meanwhile, and everything
            // above is rolled back (the transaction is disposed uncommitted).
            var changed = await connection.ExecuteAsync(
                "UPDATE studies SET state = 'sealed', wrapped_key = CASE WHEN @keepKey THEN wrapped_key END, manifest_blob = @manifestBlob, sealed_at = @at WHERE id = @Id AND state = @State",
                new { keepKey, manifestBlob, at = now.ToUnixTimeMilliseconds(), study.Id, study.State }, tx).ConfigureAwait(false);
            if (changed == 0) return Outcome.NotFound;
            await connection.ExecuteAsync("UPDATE instances SET summary = NULL WHERE study_id = @Id", new { study.Id }, tx).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            manifestBlob = null; // committed: no longer ours to delete
            if (plan.Ships.Count > 0) outbox.Wake();
            if (plan.Forwards.Count > 0) forwards.Wake();
            LogSealed(study.Id, instances.Count, plan.Ships.Count, plan.Ships.Sum(t => t.Recipients.Count), plan.Forwards.Count);
            // The wrapped data key was overwritten in the database file (secure_delete); move the WAL's copy out too.
            if (!keepKey) await database.CheckpointAsync(cancellationToken).ConfigureAwait(false);
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

    private async Task<bool> HoldAsync(SqliteConnection connection, StudyRow study, int instanceCount, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await connection.ExecuteAsync("UPDATE studies SET state = 'held' WHERE id = @Id AND state = @State", new { study.Id, study.State }, tx).ConfigureAwait(false);
        if (changed == 0) return false;
        if (study.State == "receiving") await audit.RecordAsync(connection, tx, Received(study, now, held: true), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogHeld(study.Id, instanceCount);
        return true;
    }

    /// <summary>
    /// Erases a study a rule or an administrator discarded: the index rows go in one transaction with the audit event,
    /// then the blobs (a crash in between leaves blobs without rows, which the start-up reconciliation deletes).
    /// </summary>
    private async Task<bool> DiscardAsync(SqliteConnection connection, StudyRow study, IReadOnlyList<InstanceRow> instances, DiscardPlan discard, Actor? actor,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            var changed = await connection.ExecuteAsync("UPDATE studies SET state = 'erased', wrapped_key = NULL, erased_at = @at WHERE id = @Id AND state = @State",
                new { at = now.ToUnixTimeMilliseconds(), study.Id, study.State }, tx).ConfigureAwait(false);
            if (changed == 0) return false;
            if (study.State == "receiving") await audit.RecordAsync(connection, tx, Received(study, now, held: false), cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync("DELETE FROM instances WHERE study_id = @Id", new { study.Id }, tx).ConfigureAwait(false);
            await audit.RecordAsync(connection, tx, Decided(AuditEventIds.StudyDeleted, AuditAction.Delete, study, actor, now,
                new { what = "study discarded", rule = discard.RuleName, reason = discard.Reason, instances = instances.Count }), cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var instance in instances) blobs.Delete(instance.Blob);
        LogDiscarded(study.Id, instances.Count);
        await database.CheckpointAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task CreateShipmentAsync(SqliteConnection connection, SqliteTransaction tx, StudyRow study, Target target, byte[] dataKey, int instanceCount,
        Manifest manifest, Actor? actor, DateTimeOffset now, CancellationToken cancellationToken)
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
                InstanceCount = instanceCount,
                TotalBytes = manifest.TotalBytes,
                SenderName = target.SenderName,
                SenderOrganisation = target.SenderOrganisation,
            };
            await outbox.EnqueueShipmentAsync(connection, tx, notice, cancellationToken).ConfigureAwait(false);
        }
        await audit.RecordAsync(connection, tx, Decided(AuditEventIds.Export, AuditAction.Read, study, actor, now, new
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

    /// <summary>An event of what was decided for a study: by the gateway following a rule, or by an administrator.</summary>
    private static AuditEvent Decided(string eventId, AuditAction action, StudyRow study, Actor? actor, DateTimeOffset now, object detail) => new()
    {
        EventId = eventId,
        Action = action,
        Outcome = AuditOutcome.Success,
        ActorKind = actor is null ? AuditActorKind.Gateway : AuditActorKind.Administrator,
        Actor = actor?.Name ?? "gateway",
        ActorAddress = actor?.Address,
        StudyId = study.Id,
        PatientRef = study.PatientRef,
        OccurredAt = now,
        Detail = detail,
    };

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
        Detail = new { what = held ? "study received; no rule addressed it, held for an administrator" : "study received", calledAeTitle = study.CalledAe, study.Generation },
    };

    /// <summary>A shipment to create: one per ship action of a matched rule, or per shipment of the previous generation.</summary>
    private sealed record Target(long? RuleId, string? RuleName, int ExpiryDays, int? MaxDownloads, string? NotifyEmail, string? SenderName, string? SenderOrganisation,
        IReadOnlyList<(string? Email, string? Phone, string Language)> Recipients)
    {
        public static Target From(ShipPlan ship) => new(ship.RuleId, ship.RuleName, ship.ExpiryDays, ship.MaxDownloads, ship.NotifyEmail, ship.SenderName,
            ship.SenderOrganisation, [.. ship.Recipients.Select(r => (r.Email, r.Phone, r.Language))]);
    }

    private async Task<Plan> PlanAsync(SqliteConnection connection, StudyRow study, InstanceRow first, byte[] dataKey, CancellationToken cancellationToken)
    {
        if (study.Generation > 0)
        {
            // A follow-up goes where the latest sealed generation went: to its recipients with the same terms, and to
            // the same DICOM nodes.
            var previousId = await connection.ExecuteScalarAsync<long?>(
                "SELECT id FROM studies WHERE study_key = @StudyKey AND generation < @Generation AND state IN ('sealed', 'erased') ORDER BY generation DESC LIMIT 1",
                new { study.StudyKey, study.Generation }).ConfigureAwait(false);
            if (previousId is { } prev)
            {
                var previous = (await connection.QueryAsync<(long Id, long? RuleId, string? RuleName, long ExpiryDays, long? MaxDownloads, string? NotifyEmail, string? SenderName, string? SenderOrganisation)>(
                    """
                    SELECT id, rule_id, rule_name, expiry_days, max_downloads, notify_email, sender_name, sender_organisation
                    FROM shipments WHERE study_id = @prev ORDER BY id
                    """, new { prev }).ConfigureAwait(false)).ToList();
                var targets = new List<Target>();
                foreach (var p in previous)
                {
                    var people = (await connection.QueryAsync<(string? Email, string? Phone, string Language)>(
                        "SELECT email, phone, language FROM recipients WHERE shipment_id = @Id ORDER BY id", new { p.Id }).ConfigureAwait(false)).ToList();
                    targets.Add(new Target(p.RuleId, p.RuleName, (int)p.ExpiryDays, (int?)p.MaxDownloads, p.NotifyEmail, p.SenderName, p.SenderOrganisation, people));
                }
                var nodes = (await connection.QueryAsync<(long NodeId, long? RuleId, string? RuleName)>(
                    "SELECT node_id, min(rule_id), min(rule_name) FROM forwards WHERE study_id = @prev AND state <> 'cancelled' GROUP BY node_id ORDER BY min(id)", new { prev })
                    .ConfigureAwait(false)).Select(n => new ForwardPlan(n.RuleId, n.RuleName, n.NodeId)).ToList();
                if (targets.Count > 0 || nodes.Count > 0) return new Plan(RoutingDisposition.Act, targets, nodes, null);
            }
        }

        var header = StudyReader.ReadHeader(blobs, first.Blob, (uint)first.Ordinal, dataKey);
        var decision = await rules.EvaluateAsync(new RoutingInput
        {
            CallingAeTitle = study.CallingAe,
            CalledAeTitle = study.CalledAe,
            RemoteAddress = study.RemoteHost,
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(study.FirstReceivedAt),
            Header = header,
        }, cancellationToken).ConfigureAwait(false);
        foreach (var warning in decision.Warnings) LogRoutingWarning(study.Id, warning);
        return decision.Disposition switch
        {
            RoutingDisposition.Act => new Plan(RoutingDisposition.Act, [.. decision.Ships.Where(s => s.Recipients.Count > 0).Select(Target.From)], decision.Forwards, null),
            RoutingDisposition.Discard => new Plan(RoutingDisposition.Discard, [], [], decision.Discard),
            _ => Plan.Held,
        };
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

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Study {StudyId} sealed: {Instances} instances into {Shipments} shipments for {Recipients} recipients, {Forwards} forwards queued")]
    private partial void LogSealed(long studyId, int instances, int shipments, int recipients, int forwards);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Study {StudyId} ({Instances} instances) discarded and erased")]
    private partial void LogDiscarded(long studyId, int instances);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Routing study {StudyId}: {Warning}")]
    private partial void LogRoutingWarning(long studyId, string warning);

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
