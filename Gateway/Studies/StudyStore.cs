using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Database;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Studies;

/// <summary>
/// The owner of the <c>studies</c> and <c>instances</c> tables: every read and every change of a study's state goes
/// through here. State changes take the state the caller read (<paramref name="from"/> in each method) and change
/// nothing if the study moved meanwhile, so a caller acting on an old reading learns it instead of overwriting.
/// Methods that take a connection and a transaction run inside the caller's transaction, with the caller's other
/// writes (shipments, forwards, audit) committed or rolled back together.
/// </summary>
public sealed class StudyStore(GatewayDatabase database, ISecretProtector protector)
{
    private const string Columns =
        """
        id AS Id, study_key AS StudyKey, generation AS Generation, state AS State, wrapped_key AS WrappedKey, calling_ae AS CallingAe,
        called_ae AS CalledAe, remote_host AS RemoteHost, patient_ref AS PatientRef, instance_count AS InstanceCount, total_bytes AS TotalBytes,
        first_received_at AS FirstReceivedAt, last_received_at AS LastReceivedAt, manifest_blob AS ManifestBlob, hold_reason AS HoldReason
        """;

    /// <summary>Lends the study's data key (unwrapped from the gateway key); dispose it when done. Throws when the gateway no longer holds it.</summary>
    public StudyDataKey LendKey(Study study)
    {
        ArgumentNullException.ThrowIfNull(study);
        var wrapped = study.WrappedKey ?? throw new InvalidOperationException($"The gateway no longer holds the key of study {study.Id}");
        return new StudyDataKey(protector.Unprotect(CryptoPurposes.Protect.StudyDataKey, wrapped));
    }

    public async Task<Study?> FindAsync(long studyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await FindAsync(connection, null, studyId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Study?> FindAsync(SqliteConnection connection, SqliteTransaction? transaction, long studyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM studies WHERE id = @studyId", new { studyId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToStudy();
    }

    /// <summary>
    /// Studies in <paramref name="state"/> whose last instance arrived at or before <paramref name="quietSince"/>, or
    /// that a storage commitment marked complete (<see cref="MarkCommittedAsync"/>), oldest first.
    /// </summary>
    /// <summary>Studies receiving and held (the open ones), by stored state name: the metrics' gauges.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountOpenAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string State, long Count)>(new CommandDefinition(
            "SELECT state, count(*) FROM studies WHERE state IN ('receiving', 'held') GROUP BY state", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.State, r => r.Count, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<Study>> ListQuietAsync(StudyState state, DateTimeOffset quietSince, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM studies WHERE state = @state AND (last_received_at <= @cutoff OR committed_at IS NOT NULL) ORDER BY last_received_at",
            new { state = state.Name(), cutoff = quietSince.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStudy())];
    }

    /// <summary>
    /// Marks complete every receiving study of which each instance received so far is among <paramref name="instanceKeys"/>
    /// (instances a storage commitment has just confirmed): the sealer then takes it without waiting for the stable time.
    /// Returns the ids of the studies marked. A later instance clears the mark (<see cref="InstanceIndex"/>).
    /// </summary>
    public async Task<IReadOnlyList<long>> MarkCommittedAsync(IReadOnlyCollection<byte[]> instanceKeys, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceKeys);
        var marked = new List<long>();
        if (instanceKeys.Count == 0) return marked;
        var confirmed = instanceKeys.Select(Convert.ToHexString).ToHashSet(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Immediate: an instance indexed between the check and the mark would otherwise be sealed as committed.
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var studyIds = new SortedSet<long>();
        foreach (var key in instanceKeys)
        {
            var studyId = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                "SELECT study_id FROM instances WHERE instance_key = @key", new { key }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (studyId is { } id) studyIds.Add(id);
        }
        foreach (var studyId in studyIds)
        {
            var keys = await connection.QueryAsync<byte[]>(new CommandDefinition(
                "SELECT instance_key FROM instances WHERE study_id = @studyId", new { studyId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (!keys.All(k => confirmed.Contains(Convert.ToHexString(k)))) continue;
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE studies SET committed_at = @now WHERE id = @studyId AND state = @state",
                new { studyId, now = now.ToUnixTimeMilliseconds(), state = StudyState.Receiving.Name() }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed == 1) marked.Add(studyId);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return marked;
    }

    /// <summary>The newest <paramref name="limit"/> studies in one of <paramref name="states"/>; with <paramref name="readableOnly"/>, only those whose key the gateway holds.</summary>
    public async Task<IReadOnlyList<Study>> ListNewestAsync(IReadOnlyCollection<StudyState> states, bool readableOnly, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM studies
            WHERE state IN @states AND (@readableOnly = 0 OR wrapped_key IS NOT NULL)
            ORDER BY last_received_at DESC LIMIT @limit
            """, new { states = states.Select(s => s.Name()).ToArray(), readableOnly, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStudy())];
    }

    /// <summary>
    /// The sender of the study's first generation (the earliest row of the same Study Instance UID), which every later
    /// generation is compared with; null when <paramref name="study"/> is itself the first.
    /// </summary>
    public async Task<StudySender?> OriginalSenderAsync(SqliteConnection connection, Study study, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(study);
        var row = await connection.QuerySingleOrDefaultAsync<(string CallingAe, string? RemoteHost)?>(new CommandDefinition(
            "SELECT calling_ae, remote_host FROM studies WHERE study_key = @StudyKey AND generation < @Generation ORDER BY generation LIMIT 1",
            new { study.StudyKey, study.Generation }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is { } r ? new StudySender(r.CallingAe, r.RemoteHost) : null;
    }

    /// <summary>
    /// Every distinct sender of the study: the one that opened it and those of each of its instances. An instance
    /// indexed without its address (before addresses were kept) counts as sent from the study's own address.
    /// </summary>
    public async Task<IReadOnlyList<StudySender>> SendersAsync(SqliteConnection connection, long studyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var rows = await connection.QueryAsync<(string CallingAe, string? RemoteHost)>(new CommandDefinition(
            """
            SELECT calling_ae, remote_host FROM studies WHERE id = @studyId
            UNION
            SELECT i.calling_ae, coalesce(i.remote_host, s.remote_host) FROM instances i JOIN studies s ON s.id = i.study_id WHERE i.study_id = @studyId
            """, new { studyId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new StudySender(r.CallingAe, r.RemoteHost))];
    }

    /// <summary>The study's instances in ordinal order.</summary>
    public async Task<IReadOnlyList<StoredInstance>> InstancesAsync(long studyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await InstancesAsync(connection, null, studyId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredInstance>> InstancesAsync(SqliteConnection connection, SqliteTransaction? transaction, long studyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var rows = await connection.QueryAsync<InstanceRow>(new CommandDefinition(
            """
            SELECT id AS Id, ordinal AS Ordinal, blob AS Blob, plaintext_length AS PlaintextLength, ciphertext_length AS CiphertextLength, summary AS Summary
            FROM instances WHERE study_id = @studyId ORDER BY ordinal
            """, new { studyId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new StoredInstance(r.Id, (int)r.Ordinal, r.Blob, r.PlaintextLength, r.CiphertextLength) { Summary = r.Summary })];
    }

    /// <summary>How many instances the study has, counted in the caller's transaction.</summary>
    public Task<long> InstanceCountAsync(SqliteConnection connection, SqliteTransaction? transaction, long studyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM instances WHERE study_id = @studyId", new { studyId }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The study's first instance (lowest ordinal), whose header stands for the study; null when it has none.</summary>
    public async Task<StoredInstance?> FirstInstanceAsync(long studyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<InstanceRow>(new CommandDefinition(
            """
            SELECT id AS Id, ordinal AS Ordinal, blob AS Blob, plaintext_length AS PlaintextLength, ciphertext_length AS CiphertextLength
            FROM instances WHERE study_id = @studyId ORDER BY ordinal LIMIT 1
            """, new { studyId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is null ? null : new StoredInstance(row.Id, (int)row.Ordinal, row.Blob, row.PlaintextLength, row.CiphertextLength);
    }

    /// <summary>The blob of a sealed study's ordinal (0: the manifest), or null when the study is not sealed or has no such instance.</summary>
    public async Task<string?> SealedBlobAsync(long studyId, int ordinal, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            """
            SELECT CASE WHEN @ordinal = 0 THEN st.manifest_blob ELSE (SELECT i.blob FROM instances i WHERE i.study_id = st.id AND i.ordinal = @ordinal) END
            FROM studies st WHERE st.id = @studyId AND st.state = @state
            """, new { studyId, ordinal, state = StudyStates.Sealed }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The keyed hash of the study's Patient ID, for an audit event written in the caller's transaction.</summary>
    public Task<byte[]?> PatientRefAsync(SqliteConnection connection, SqliteTransaction? transaction, long studyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.QuerySingleOrDefaultAsync<byte[]?>(new CommandDefinition(
            "SELECT patient_ref FROM studies WHERE id = @studyId", new { studyId }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The studies of a patient (by keyed hash), for a disclosure report.</summary>
    public async Task<IReadOnlyList<long>> IdsOfPatientAsync(byte[] patientRef, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT id FROM studies WHERE patient_ref = @patientRef", new { patientRef }, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>Counters of several studies at once, for reports.</summary>
    public async Task<IReadOnlyDictionary<long, Study>> FindManyAsync(IReadOnlyCollection<long> studyIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(studyIds);
        if (studyIds.Count == 0) return new Dictionary<long, Study>();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<long, Study>(studyIds.Count);
        // SQLite binds at most 32766 parameters; reports ask for a page at a time, but a large export may ask for more.
        foreach (var chunk in studyIds.Distinct().Chunk(10_000))
        {
            var rows = await connection.QueryAsync<Row>(new CommandDefinition(
                $"SELECT {Columns} FROM studies WHERE id IN @chunk", new { chunk }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var row in rows) result[row.Id] = row.ToStudy();
        }
        return result;
    }

    /// <summary>Removes a study that has no instance left (all aborted or repaired away). False when it has instances or is gone.</summary>
    public async Task<bool> DeleteEmptyAsync(SqliteConnection connection, long studyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM studies WHERE id = @studyId AND NOT EXISTS (SELECT 1 FROM instances WHERE study_id = @studyId)", new { studyId },
            cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    /// <summary>Holds the study for an administrator, saying why. False when it is no longer in <paramref name="from"/>.</summary>
    public async Task<bool> HoldAsync(SqliteConnection connection, SqliteTransaction transaction, long studyId, StudyState from, HoldReason reason,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE studies SET state = @held, hold_reason = @reason WHERE id = @studyId AND state = @from",
            new { held = StudyStates.Held, reason = reason.Name(), studyId, from = from.Name() }, transaction, cancellationToken: cancellationToken))
            .ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// Marks the study sealed with its manifest, and deletes its instance summaries (the manifest holds them now). The
    /// gateway's copy of the data key goes too, unless <paramref name="keepKey"/> (a forward still has to read the study).
    /// False when it is no longer in <paramref name="from"/>: an instance reopened it, and the caller rolls back.
    /// </summary>
    public async Task<bool> SealAsync(SqliteConnection connection, SqliteTransaction transaction, long studyId, StudyState from, bool keepKey, string? manifestBlob,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE studies SET state = @sealed, wrapped_key = CASE WHEN @keepKey THEN wrapped_key END, manifest_blob = @manifestBlob, sealed_at = @at
            WHERE id = @studyId AND state = @from
            """,
            new { @sealed = StudyStates.Sealed, keepKey, manifestBlob, at = at.ToUnixTimeMilliseconds(), studyId, from = from.Name() }, transaction,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) return false;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE instances SET summary = NULL WHERE study_id = @studyId", new { studyId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Erases a study that was never sealed (discarded): its key and its instance rows go; the caller deletes the blobs
    /// after the commit. False when it is no longer in <paramref name="from"/>.
    /// </summary>
    public async Task<bool> DiscardAsync(SqliteConnection connection, SqliteTransaction transaction, long studyId, StudyState from, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE studies SET state = @erased, wrapped_key = NULL, erased_at = @at WHERE id = @studyId AND state = @from",
            new { erased = StudyStates.Erased, at = at.ToUnixTimeMilliseconds(), studyId, from = from.Name() }, transaction, cancellationToken: cancellationToken))
            .ConfigureAwait(false);
        if (changed == 0) return false;
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM instances WHERE study_id = @studyId", new { studyId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Deletes the gateway's copy of a sealed study's data key (the last forward that needed it ended). False when the
    /// study is not sealed or the key is already gone.
    /// </summary>
    public async Task<bool> ForgetKeyAsync(SqliteConnection connection, SqliteTransaction transaction, long studyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE studies SET wrapped_key = NULL WHERE id = @studyId AND state = @sealed AND wrapped_key IS NOT NULL",
            new { studyId, @sealed = StudyStates.Sealed }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    /// <summary>Sealed studies whose key is gone: nothing but their recipients can read them, and they wait only for their shipments to end.</summary>
    public async Task<IReadOnlyList<Study>> ListSealedWithoutKeyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM studies WHERE state = @sealed AND wrapped_key IS NULL", new { @sealed = StudyStates.Sealed },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStudy())];
    }

    /// <summary>Every blob of a study: its instances and, once sealed, its manifest.</summary>
    public async Task<IReadOnlyList<string>> BlobsAsync(SqliteConnection connection, Study study, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(study);
        var files = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT blob FROM instances WHERE study_id = @Id", new { study.Id }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (study.ManifestBlob is not null) files.Add(study.ManifestBlob);
        return files;
    }

    /// <summary>Marks a sealed study erased once its blobs are deleted: its instance rows and manifest go.</summary>
    public async Task EraseSealedAsync(SqliteConnection connection, SqliteTransaction transaction, long studyId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM instances WHERE study_id = @studyId", new { studyId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE studies SET state = @erased, manifest_blob = NULL, erased_at = @at WHERE id = @studyId",
            new { erased = StudyStates.Erased, at = at.ToUnixTimeMilliseconds(), studyId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private sealed class Row
    {
        public long Id { get; init; }
        public byte[] StudyKey { get; init; } = [];
        public long Generation { get; init; }
        public string State { get; init; } = "";
        public byte[]? WrappedKey { get; init; }
        public string CallingAe { get; init; } = "";
        public string CalledAe { get; init; } = "";
        public string? RemoteHost { get; init; }
        public byte[]? PatientRef { get; init; }
        public long InstanceCount { get; init; }
        public long TotalBytes { get; init; }
        public long FirstReceivedAt { get; init; }
        public long LastReceivedAt { get; init; }
        public string? ManifestBlob { get; init; }
        public string? HoldReason { get; init; }

        public Study ToStudy() => new()
        {
            Id = Id,
            StudyKey = StudyKey,
            Generation = Generation,
            State = StudyStates.Parse(State),
            WrappedKey = WrappedKey,
            CallingAeTitle = CallingAe,
            CalledAeTitle = CalledAe,
            RemoteHost = RemoteHost,
            PatientRef = PatientRef,
            InstanceCount = InstanceCount,
            TotalBytes = TotalBytes,
            FirstReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(FirstReceivedAt),
            LastReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(LastReceivedAt),
            ManifestBlob = ManifestBlob,
            HoldReason = HoldReasons.Parse(HoldReason),
        };
    }

    private sealed class InstanceRow
    {
        public long Id { get; init; }
        public long Ordinal { get; init; }
        public string Blob { get; init; } = "";
        public long PlaintextLength { get; init; }
        public long CiphertextLength { get; init; }
        public byte[]? Summary { get; init; }
    }
}
