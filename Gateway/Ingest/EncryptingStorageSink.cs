using System.Security.Cryptography;
using System.Text;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Studies;
using DicomGateway.Storage;
using DicomKit.IO;
using DicomKit.Network;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Ingest;

/// <summary>
/// The Storage SCP's sink. Each instance is encrypted as it streams in (no plaintext instance ever touches the
/// disk) under a key derived from its study's data key, written as a blob, and indexed; success is answered only
/// when the ciphertext is fsynced and renamed into place and its index row is committed.
/// </summary>
/// <remarks>
/// A SOP Instance UID that is already indexed is not stored again: the incoming bytes are only hashed. Same
/// content: success, stored once. Different content: the first is kept, the sender gets 0x0111 (duplicate SOP
/// instance) and the audit trail a security alert. "Content" is the data set as encoded by the sender, so a
/// resend in another transfer syntax counts as different content.
/// </remarks>
public sealed partial class EncryptingStorageSink(
    BlobStore blobs, OpenStudies studies, InstanceIndex index, StudyIdentifiers identifiers, AuditTrail audit, TimeProvider time,
    FreeSpaceMonitor freeSpace, IngestMetrics metrics, ILogger<EncryptingStorageSink> logger) : IStorageSink
{
    private readonly BlobStore _blobs = blobs;
    private readonly OpenStudies _studies = studies;
    private readonly InstanceIndex _index = index;
    private readonly StudyIdentifiers _identifiers = identifiers;
    private readonly AuditTrail _audit = audit;
    private readonly TimeProvider _time = time;
    private readonly FreeSpaceMonitor _freeSpace = freeSpace;
    private readonly IngestMetrics _metrics = metrics;
    private readonly ILogger<EncryptingStorageSink> _logger = logger;

    public async ValueTask<IIncomingInstance> BeginAsync(StoreRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        EnsureRoom(0);
        var syntax = DicomTransferSyntax.FromUid(context.TransferSyntaxUid);
        var instanceKey = _identifiers.InstanceKey(context.SopInstanceUid);
        var existing = await _index.FindContentHashAsync(instanceKey, cancellationToken).ConfigureAwait(false);
        using var meta = new MemoryStream(512);
        DicomFile.WritePreambleAndMeta(meta, context.SopClassUid, context.SopInstanceUid, syntax, context.CallingAeTitle);
        return new Incoming(this, context, instanceKey, existing, meta.ToArray());
    }

    private sealed class Incoming : Stream, IIncomingInstance
    {
        private readonly EncryptingStorageSink _sink;
        private readonly StoreRequestContext _context;
        private readonly byte[] _instanceKey;
        private readonly byte[]? _existingHash;
        private readonly IncrementalKeyedHash _content;
        private HeaderProbe? _probe;
        private InstanceHeader? _header;
        private StudyLease? _lease;
        private PendingBlob? _blob;
        private SegmentedEncryptingStream? _encryptor;
        private readonly long _started;
        private long _received;
        private bool _stored;

        public Incoming(EncryptingStorageSink sink, StoreRequestContext context, byte[] instanceKey, byte[]? existingHash, byte[] metaHeader)
        {
            _sink = sink;
            _context = context;
            _instanceKey = instanceKey;
            _started = sink._time.GetTimestamp();
            _existingHash = existingHash;
            _content = sink._identifiers.ContentHash();
            // The hash covers the transfer syntax and the data set bytes: what the sender sent, not our meta header.
            _content.Append(Encoding.ASCII.GetBytes(context.TransferSyntaxUid + "\0"));
            if (existingHash is null) _probe = new HeaderProbe(metaHeader, context.SopClassUid, context.SopInstanceUid, context.TransferSyntaxUid);
        }

        public Stream Content => this;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _content.Append(buffer.Span);
            _received += buffer.Length;
            if (_existingHash is not null) return; // a duplicate: hashed, never stored
            if (_encryptor is not null)
            {
                _sink.EnsureRoom(buffer.Length);
                try
                {
                    await _encryptor.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e) when (IsDiskFull(e))
                {
                    throw _sink.DiskFull(e);
                }
                return;
            }
            _probe!.Append(buffer.Span);
            if (_probe.TryRead(final: false) is { } header) await StartAsync(header, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The study is known: lease it, open the blob and encrypt what the probe held.</summary>
        private async Task StartAsync(InstanceHeader header, CancellationToken cancellationToken)
        {
            _header = header;
            var identifiers = _sink._identifiers;
            var placement = new OpenStudies.StudyPlacement(_context.CallingAeTitle, _context.CalledAeTitle, _context.RemoteEndPoint?.Address.ToString(),
                identifiers.PatientRef(header.PatientId));
            _lease = await _sink._studies.AcquireAsync(identifiers.StudyKey(header.StudyInstanceUid), placement, cancellationToken).ConfigureAwait(false);
            _blob = _sink._blobs.Create();
            _encryptor = new SegmentedEncryptingStream(_blob.Stream, _lease.DataKey, (uint)_lease.Ordinal, leaveOpen: true);
            await _encryptor.WriteAsync(_probe!.Buffered, cancellationToken).ConfigureAwait(false);
            _probe.Dispose();
            _probe = null;
        }

        public async ValueTask<DimseStatus> CommitAsync(CancellationToken cancellationToken)
        {
            try
            {
                var status = await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
                _sink._metrics.Stored(status.Code, _received, _stored, _sink._time.GetElapsedTime(_started));
                return status;
            }
            catch
            {
                _sink._metrics.Failed(_sink._time.GetElapsedTime(_started));
                throw;
            }
        }

        private async ValueTask<DimseStatus> CommitCoreAsync(CancellationToken cancellationToken)
        {
            var contentHash = _content.GetHashAndReset();
            if (_existingHash is not null) return await _sink.DuplicateAsync(_context, _existingHash, contentHash, cancellationToken).ConfigureAwait(false);

            if (_encryptor is null) await StartAsync(_probe!.TryRead(final: true)!, cancellationToken).ConfigureAwait(false);
            long ciphertextLength;
            try
            {
                await _encryptor!.CompleteAsync(cancellationToken).ConfigureAwait(false);
                ciphertextLength = await _blob!.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (IsDiskFull(e))
            {
                throw _sink.DiskFull(e);
            }
            var plaintextLength = _encryptor.PlaintextLength;
            var summary = SummaryCodec.Encode(_lease!.DataKey, _header!);

            var row = new InstanceIndex.Row(_lease.StudyId, _instanceKey, contentHash, _lease.Ordinal, _blob.Id, plaintextLength, ciphertextLength, summary,
                _context.CallingAeTitle, _context.RemoteEndPoint?.Address.ToString(), _sink._time.GetUtcNow().ToUnixTimeMilliseconds());
            // The rename's directory fsync (on a pool thread) and the index commit (on this one) run at the same
            // time; see PendingBlob.CommitAsync.
            var sync = _blob.NeedsDirectorySync ? Task.Run(() => _blob.SyncDirectoryAsync(cancellationToken), cancellationToken) : Task.CompletedTask;
            bool added;
            try
            {
                added = await _sink._index.AddAsync(row, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not indexed (the group's transaction failed: the database could not grow, or failed otherwise): the
                // sender gets a failure, so the renamed blob would be an orphan nobody can reach. A cancelled wait is
                // different: the group may still commit the row, so the blob stays (the start-up repair removes it if
                // the row never came).
                await sync.ConfigureAwait(false);
                _sink._blobs.Delete(_blob.Id);
                throw;
            }
            await sync.ConfigureAwait(false);
            if (added)
            {
                _sink.LogStored(_blob.Id, ciphertextLength);
                _stored = true;
                return DimseStatus.Success;
            }
            // Another association indexed the same SOP Instance UID first: ours goes, theirs stays.
            _sink._blobs.Delete(_blob.Id);
            var first = await _sink._index.FindContentHashAsync(_instanceKey, cancellationToken).ConfigureAwait(false);
            return await _sink.DuplicateAsync(_context, first ?? contentHash, contentHash, cancellationToken).ConfigureAwait(false);
        }

        public ValueTask AbortAsync(CancellationToken cancellationToken)
        {
            _sink.LogAborted(_context.AssociationId);
            return ValueTask.CompletedTask; // DisposeAsync deletes the partial blob and releases the study
        }

        public override async ValueTask DisposeAsync()
        {
            _probe?.Dispose();
            if (_encryptor is not null) await _encryptor.DisposeAsync().ConfigureAwait(false);
            if (_blob is not null) await _blob.DisposeAsync().ConfigureAwait(false);
            _lease?.Dispose();
            _content.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Refuses to write <paramref name="bytes"/> more when that would take the data directory below its threshold.</summary>
    private void EnsureRoom(long bytes)
    {
        if (_freeSpace.Fits(bytes)) return;
        LogNoRoom();
        throw new StorageSinkException(DimseStatus.OutOfResources, "not enough free space in the gateway's data directory");
    }

    /// <summary>ENOSPC (28) or EDQUOT (122) from the file system: the write failed for lack of space, not for a fault.</summary>
    private static bool IsDiskFull(IOException e) => (e.HResult & 0xFFFF) is 28 or 122 || e.HResult is unchecked((int)0x80070070);

    private StorageSinkException DiskFull(IOException e)
    {
        _freeSpace.Invalidate();
        LogNoRoom();
        return new StorageSinkException(DimseStatus.OutOfResources, "the gateway's data directory is full", e);
    }

    private async ValueTask<DimseStatus> DuplicateAsync(StoreRequestContext context, byte[] firstHash, byte[] contentHash, CancellationToken cancellationToken)
    {
        if (CryptographicOperations.FixedTimeEquals(firstHash, contentHash))
        {
            LogDuplicate(context.CallingAeTitle);
            return DimseStatus.Success;
        }
        LogConflict(context.CallingAeTitle);
        await _audit.RecordAsync(new AuditEvent
        {
            EventId = AuditEventIds.SecurityAlert,
            Action = AuditAction.Execute,
            Outcome = AuditOutcome.MinorFailure,
            ActorKind = AuditActorKind.Node,
            Actor = context.CallingAeTitle,
            ActorAddress = context.RemoteEndPoint?.Address.ToString(),
            Detail = new { reason = "An instance was sent again with the same SOP Instance UID but different content; the first was kept", sopClassUid = context.SopClassUid },
        }, cancellationToken).ConfigureAwait(false);
        return DimseStatus.DuplicateSopInstance;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Stored blob {Blob} ({Bytes} bytes of ciphertext)")]
    private partial void LogStored(string blob, long bytes);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Discarded an incomplete instance on association {AssociationId}")]
    private partial void LogAborted(long associationId);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "An instance was refused with Out of Resources: the data directory has no room for it")]
    private partial void LogNoRoom();

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "An instance from {CallingAeTitle} was already stored with the same content; acknowledged without storing it again")]
    private partial void LogDuplicate(string callingAeTitle);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Security alert: {CallingAeTitle} sent an already stored SOP Instance UID with different content; the first was kept")]
    private partial void LogConflict(string callingAeTitle);
}
