using System.Security.Cryptography;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Forwarding;
using DicomGateway.Studies;
using DicomGateway.Nodes;
using DicomGateway.Storage;
using DicomKit.IO;
using DicomKit.Network;
using Gateway.Tests.Notifications;
using Gateway.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Forwarding;

/// <summary>
/// The forwarding pieces wired as AddForwarding wires them, over a real database and blob directory in a temporary
/// folder, on the real clock; studies are seeded the way ingest leaves them (Part-10 plaintext encrypted per instance
/// under the study's data key, the key wrapped by the gateway's protector). <see cref="RestartAsync"/> stops the
/// service and builds everything again on the same files, as a restarted gateway would.
/// </summary>
internal sealed class ForwardingHarness : IAsyncDisposable
{
    public const string GatewayAeTitle = "GWFORWARD";

    private readonly TestDatabase _files = new();
    private readonly TempDirectory _scratch = new("gw-fwd-");
    private ForwardingService? _service;

    private readonly NodeTls? _tls;

    /// <param name="tls">How nodes are called over TLS; null calls every node in plain DICOM.</param>
    public ForwardingHarness(ForwardingOptions? options = null, NodeTls? tls = null)
    {
        _tls = tls;
        Options = options ?? new ForwardingOptions { InitialRetrySeconds = 0.2, MaxRetrySeconds = 2, MaxAttempts = 20, PollInterval = TimeSpan.FromMilliseconds(50),
            ResponseTimeout = TimeSpan.FromSeconds(10) };
        DataDirectory = Path.GetDirectoryName(_files.Database.FilePath)!;
        Scratch = _scratch.Path;
        var storage = Microsoft.Extensions.Options.Options.Create(new StorageOptions { DataDirectory = DataDirectory, FlushToDisk = false });
        Blobs = new BlobStore(storage, new StoragePaths(storage, new TestHostEnvironment(DataDirectory)), NullLogger<BlobStore>.Instance);
        Build(_files.Database);
    }

    public ForwardingOptions Options { get; }
    public string DataDirectory { get; }

    /// <summary>A temporary folder for source files and peers' output, deleted with the harness.</summary>
    public string Scratch { get; }

    public BlobStore Blobs { get; }
    public TestSecretProtector Protector { get; } = new();
    public GatewayDatabase Database { get; private set; } = null!;
    public ForwardQueue Queue { get; private set; } = null!;
    public NodeStore Nodes { get; private set; } = null!;

    private StudyForwarder Forwarder { get; set; } = null!;

    private void Build(GatewayDatabase database)
    {
        Database = database;
        var audit = new AuditTrail(database, TimeProvider.System);
        var studies = new StudyStore(database, Protector);
        Nodes = new NodeStore(database, [new ForwardNodeReferences()], audit, TimeProvider.System, NullLogger<NodeStore>.Instance);
        Queue = new ForwardQueue(database, studies, Nodes, audit, TimeProvider.System, NullLogger<ForwardQueue>.Instance);
        Forwarder = new StudyForwarder(studies, Nodes, Blobs, Microsoft.Extensions.Options.Options.Create(new DicomListenerOptions { AeTitle = GatewayAeTitle }),
            Microsoft.Extensions.Options.Options.Create(Options), NullLoggerFactory.Instance, TimeProvider.System, _tls);
    }

    public async Task StartAsync()
    {
        _service = new ForwardingService(Queue, Forwarder, Microsoft.Extensions.Options.Options.Create(Options), TimeProvider.System,
            new ForwardingMetrics(TestMeters.Factory, Queue, TimeProvider.System), NullLogger<ForwardingService>.Instance);
        await _service.StartAsync(CancellationToken.None);
    }

    public async Task StopAsync()
    {
        if (_service is null) return;
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _service.StopAsync(bounded.Token);
        _service.Dispose();
        _service = null;
    }

    /// <summary>Stops the service, then builds database, queue and service again over the same files and starts it.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        Build(_files.Reopen());
        await StartAsync();
    }

    public sealed record SeededStudy(long StudyId, IReadOnlyList<string> SourceFiles);

    /// <summary>A study of <paramref name="count"/> generated CT instances in state <paramref name="state"/>, as ingest and sealing leave it.</summary>
    public Task<SeededStudy> SeedStudyAsync(int count, DicomTransferSyntax? syntax = null, string state = "sealed")
    {
        var source = Directory.CreateDirectory(Path.Combine(Scratch, "src-" + Guid.NewGuid().ToString("N"))).FullName;
        return SeedStudyAsync(Enumerable.Range(1, count).Select(n => Instances.WriteCt(source, n, syntax)).ToList(), state);
    }

    /// <summary>A study of the given Part-10 files (in this order), encrypted as ingest stores them.</summary>
    public async Task<SeededStudy> SeedStudyAsync(IReadOnlyList<string> sourceFiles, string state = "sealed")
    {
        var count = sourceFiles.Count;
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var files = new List<string>();
        await using var connection = await Database.OpenAsync();
        var studyId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO studies (study_key, state, wrapped_key, calling_ae, called_ae, patient_ref, instance_count, total_bytes, first_received_at, last_received_at, sealed_at)
            VALUES (randomblob(32), @state, @wrapped, 'MODALITY', 'GATEWAY', randomblob(32), @count, 0, @now, @now, @now) RETURNING id
            """, new { state, wrapped = Protector.Protect(CryptoPurposes.Protect.StudyDataKey, dataKey), count, now });
        for (var ordinal = 1; ordinal <= count; ordinal++)
        {
            var file = sourceFiles[ordinal - 1];
            files.Add(file);
            var blob = BlobStore.NewId();
            long ciphertext;
            await using (var output = new FileStream(Blobs.PathOf(blob), FileMode.CreateNew, FileAccess.ReadWrite))
            {
                await using (var encryptor = new SegmentedEncryptingStream(output, dataKey, (uint)ordinal, leaveOpen: true))
                {
                    await using (var input = File.OpenRead(file)) await input.CopyToAsync(encryptor);
                    await encryptor.CompleteAsync(CancellationToken.None);
                }
                ciphertext = output.Length;
            }
            await connection.ExecuteAsync("""
                INSERT INTO instances (study_id, instance_key, content_hash, ordinal, blob, plaintext_length, ciphertext_length, calling_ae, received_at)
                VALUES (@studyId, randomblob(32), randomblob(32), @ordinal, @blob, @plain, @ciphertext, 'MODALITY', @now)
                """, new { studyId, ordinal, blob, plain = new FileInfo(file).Length, ciphertext, now });
        }
        CryptographicOperations.ZeroMemory(dataKey);
        return new SeededStudy(studyId, files);
    }

    public Task<long> AddNodeAsync(int port, string aeTitle, string name = "Destination", bool tls = false) =>
        Nodes.AddAsync(new NodeInput { Name = name, AeTitle = aeTitle, Host = "127.0.0.1", Port = port, ForwardDestination = true, Tls = tls }, "admin.test",
            CancellationToken.None);

    /// <summary>Queues a forward the way the sealer does: inside a transaction, then a wake-up.</summary>
    public async Task<long> EnqueueAsync(long studyId, long nodeId, string? ruleName = "Forward rule")
    {
        long id;
        await using (var connection = await Database.OpenAsync())
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            id = await Queue.EnqueueAsync(connection, transaction, studyId, nodeId, 7, ruleName, CancellationToken.None);
            await transaction.CommitAsync();
        }
        Queue.Wake();
        return id;
    }

    public sealed class ForwardRow
    {
        public string State { get; init; } = "";
        public long Attempts { get; init; }
        public long NextAttemptAt { get; init; }
        public long UpdatedAt { get; init; }
        public string? LastError { get; init; }
        public long InstancesSent { get; init; }
        public long InstanceCount { get; init; }
        public long? CompletedAt { get; init; }
    }

    public async Task<ForwardRow> ForwardAsync(long id)
    {
        await using var connection = await Database.OpenAsync();
        return await connection.QuerySingleAsync<ForwardRow>("""
            SELECT state AS State, attempts AS Attempts, next_attempt_at AS NextAttemptAt, updated_at AS UpdatedAt, last_error AS LastError,
                   instances_sent AS InstancesSent, instance_count AS InstanceCount, completed_at AS CompletedAt
            FROM forwards WHERE id = @id
            """, new { id });
    }

    /// <summary>Polls the forward every 20 ms until <paramref name="condition"/> holds; fails after <paramref name="seconds"/>.</summary>
    public async Task<ForwardRow> WaitForAsync(long id, Func<ForwardRow, bool> condition, double seconds = 30)
    {
        var row = await Eventually.PollAsync(() => ForwardAsync(id), condition, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(20));
        return condition(row) ? row
            : throw new TimeoutException($"forward {id} is still {row.State} (attempts {row.Attempts}, sent {row.InstancesSent}, error '{row.LastError}') after {seconds} s");
    }

    public async Task<byte[]?> WrappedKeyAsync(long studyId)
    {
        await using var connection = await Database.OpenAsync();
        return await connection.QuerySingleAsync<byte[]?>("SELECT wrapped_key FROM studies WHERE id = @studyId", new { studyId });
    }

    public sealed class AuditRow
    {
        public string EventId { get; init; } = "";
        public string Action { get; init; } = "";
        public long Outcome { get; init; }
        public string ActorKind { get; init; } = "";
        public string Actor { get; init; } = "";
        public long? StudyId { get; init; }
        public byte[]? PatientRef { get; init; }
        public string Detail { get; init; } = "";
    }

    public async Task<List<AuditRow>> AuditAsync()
    {
        await using var connection = await Database.OpenAsync();
        return (await connection.QueryAsync<AuditRow>("""
            SELECT event_id AS EventId, action AS Action, outcome AS Outcome, actor_kind AS ActorKind, actor AS Actor, study_id AS StudyId,
                   patient_ref AS PatientRef, coalesce(detail, '') AS Detail
            FROM audit_events ORDER BY id
            """)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _files.Dispose();
        _scratch.Dispose();
    }
}
