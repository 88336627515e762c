using System.Security.Cryptography;
using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Database;

namespace DicomGateway.Studies;

/// <summary>
/// The studies that can still take instances, each with its data key in memory, and the hand-over between ingest
/// and sealing. An arriving instance leases its study (which gives it the data key and its ordinal); the sealer
/// seals a study only when no lease is held, and an instance arriving while its study is being sealed waits for
/// the seal, then starts the study's next generation (a follow-up shipment) instead of joining a sealed one.
/// </summary>
public sealed class OpenStudies(GatewayDatabase database, ISecretProtector protector, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, OpenStudy> _byKey = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _load = new(1, 1);

    /// <summary>What an arriving instance needs to know about its study.</summary>
    public sealed record StudyPlacement(string CallingAeTitle, string CalledAeTitle, string? RemoteHost, byte[]? PatientRef);

    /// <summary>Leases the open study for <paramref name="studyKey"/>, opening (or reopening) it when needed.</summary>
    public async Task<StudyLease> AcquireAsync(byte[] studyKey, StudyPlacement placement, CancellationToken cancellationToken)
    {
        var hex = Convert.ToHexString(studyKey);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            Task? wait = null;
            lock (_lock)
            {
                if (_byKey.TryGetValue(hex, out var open))
                {
                    if (open.SealDone is null)
                    {
                        open.InFlight++;
                        return new StudyLease(this, open, open.NextOrdinal++);
                    }
                    wait = open.SealDone.Task;
                }
            }
            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            await _load.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                bool known;
                lock (_lock) known = _byKey.ContainsKey(hex);
                if (known) continue;
                var loaded = await LoadOrCreateAsync(studyKey, placement, cancellationToken).ConfigureAwait(false);
                bool added;
                lock (_lock) added = _byKey.TryAdd(hex, loaded);
                // The sealer claimed the study while it was being loaded (TryBeginSeal's placeholder): this instance
                // waits for that seal on the next turn, then loads again (a sealed study starts its next generation).
                if (!added) CryptographicOperations.ZeroMemory(loaded.DataKey);
            }
            finally
            {
                _load.Release();
            }
        }
        throw new InvalidOperationException("A study was sealed 100 times while one instance waited for it");
    }

    private async Task<OpenStudy> LoadOrCreateAsync(byte[] studyKey, StudyPlacement placement, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var existing = await connection.QuerySingleOrDefaultAsync<(long Id, byte[] WrappedKey, string State)?>(
            "SELECT id, wrapped_key, state FROM studies WHERE study_key = @studyKey AND state IN (@receiving, @held)",
            new { studyKey, receiving = StudyStates.Receiving, held = StudyStates.Held }, tx).ConfigureAwait(false);
        OpenStudy study;
        if (existing is { } row)
        {
            var next = await connection.ExecuteScalarAsync<long>("SELECT coalesce(max(ordinal), 0) + 1 FROM instances WHERE study_id = @Id", new { row.Id }, tx).ConfigureAwait(false);
            if (StudyStates.Parse(row.State) == StudyState.Held)
                await connection.ExecuteAsync("UPDATE studies SET state = @receiving WHERE id = @Id", new { row.Id, receiving = StudyStates.Receiving }, tx).ConfigureAwait(false);
            study = new OpenStudy(row.Id, studyKey, protector.Unprotect(CryptoPurposes.Protect.StudyDataKey, row.WrappedKey)) { NextOrdinal = (int)next };
        }
        else
        {
            var dataKey = RandomNumberGenerator.GetBytes(32);
            var generation = await connection.ExecuteScalarAsync<long>("SELECT coalesce(max(generation) + 1, 0) FROM studies WHERE study_key = @studyKey", new { studyKey }, tx).ConfigureAwait(false);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var id = await connection.ExecuteScalarAsync<long>(
                """
                INSERT INTO studies (study_key, generation, state, wrapped_key, calling_ae, called_ae, remote_host, patient_ref, first_received_at, last_received_at)
                VALUES (@studyKey, @generation, @receiving, @wrapped, @CallingAeTitle, @CalledAeTitle, @RemoteHost, @PatientRef, @now, @now)
                RETURNING id
                """,
                new { studyKey, generation, receiving = StudyStates.Receiving, wrapped = protector.Protect(CryptoPurposes.Protect.StudyDataKey, dataKey), placement.CallingAeTitle, placement.CalledAeTitle, placement.RemoteHost, placement.PatientRef, now },
                tx).ConfigureAwait(false);
            study = new OpenStudy(id, studyKey, dataKey) { NextOrdinal = 1 };
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return study;
    }

    /// <summary>
    /// Claims a study for sealing if no instance of it is in flight. Until <see cref="EndSeal"/>, instances of the
    /// study wait. Lends the data key (the caller disposes it), or null when the study is busy.
    /// </summary>
    public StudyDataKey? TryBeginSeal(Study study)
    {
        ArgumentNullException.ThrowIfNull(study);
        var (studyId, studyKey) = (study.Id, study.StudyKey);
        var wrappedKey = study.WrappedKey ?? throw new InvalidOperationException($"The gateway no longer holds the key of study {study.Id}");
        var hex = Convert.ToHexString(studyKey);
        lock (_lock)
        {
            if (_byKey.TryGetValue(hex, out var open))
            {
                if (open.Id != studyId || open.InFlight > 0 || open.SealDone is not null) return null;
                open.SealDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return new StudyDataKey(open.DataKey.ToArray());
            }
            // Not in memory (e.g. after a restart): hold arrivals off while the sealer works from the database.
            var placeholder = new OpenStudy(studyId, studyKey, protector.Unprotect(CryptoPurposes.Protect.StudyDataKey, wrappedKey))
            {
                SealDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
            };
            _byKey[hex] = placeholder;
            return new StudyDataKey(placeholder.DataKey.ToArray());
        }
    }

    /// <summary>
    /// Ends a seal begun with <see cref="TryBeginSeal"/>. The study leaves memory either way (sealed, held or failed):
    /// the next instance for it reloads its state from the database.
    /// </summary>
    public void EndSeal(Study study)
    {
        ArgumentNullException.ThrowIfNull(study);
        var hex = Convert.ToHexString(study.StudyKey);
        TaskCompletionSource? done = null;
        lock (_lock)
        {
            if (_byKey.Remove(hex, out var open))
            {
                done = open.SealDone;
                CryptographicOperations.ZeroMemory(open.DataKey);
            }
        }
        done?.TrySetResult();
    }

    /// <summary>Instances in flight over all studies (for tests and shutdown).</summary>
    public int InFlight
    {
        get
        {
            lock (_lock) return _byKey.Values.Sum(s => s.InFlight);
        }
    }

    internal void Release(OpenStudy study)
    {
        lock (_lock) study.InFlight--;
    }

    internal sealed class OpenStudy(long id, byte[] studyKey, byte[] dataKey)
    {
        public long Id { get; } = id;
        public byte[] StudyKey { get; } = studyKey;
        public byte[] DataKey { get; } = dataKey;
        public int NextOrdinal { get; set; }
        public int InFlight { get; set; }
        public TaskCompletionSource? SealDone { get; set; }
    }
}

/// <summary>An instance's hold on its open study: the study cannot be sealed until the lease is disposed.</summary>
public sealed class StudyLease : IDisposable
{
    private readonly OpenStudies _owner;
    private readonly OpenStudies.OpenStudy _study;
    private bool _released;

    internal StudyLease(OpenStudies owner, OpenStudies.OpenStudy study, int ordinal)
    {
        _owner = owner;
        _study = study;
        Ordinal = ordinal;
    }

    public long StudyId => _study.Id;

    public int Ordinal { get; }

    /// <summary>The study's data key; valid while the lease is held. Do not keep it.</summary>
    public ReadOnlySpan<byte> DataKey => _study.DataKey;

    public void Dispose()
    {
        if (_released) return;
        _released = true;
        _owner.Release(_study);
    }
}
