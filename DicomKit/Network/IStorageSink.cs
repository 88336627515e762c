using System.Net;

namespace DicomKit.Network;

/// <summary>
/// Where the Storage SCP puts received instances. The SCP never holds an instance in memory: it asks the sink
/// for a destination when the C-STORE-RQ command has arrived, writes each data set fragment into
/// <see cref="IIncomingInstance.Content"/> as its P-DATA-TF arrives, and answers the sender only after
/// <see cref="IIncomingInstance.CommitAsync"/> has returned, so a success status always means "durably stored".
/// </summary>
/// <remarks>
/// Failure mapping, each an answer on a living association, never an abort:
/// <list type="bullet">
/// <item><see cref="StorageSinkException"/> from any method: its <see cref="StorageSinkException.Status"/>.</item>
/// <item><see cref="InvalidDataException"/> or <see cref="FormatException"/>: 0xC000 (cannot understand).</item>
/// <item>any other exception (disk full, I/O, access denied, ...): 0xA700 (refused: out of resources).</item>
/// </list>
/// After a failure in <see cref="IIncomingInstance.Content"/> writes, the SCP calls
/// <see cref="IIncomingInstance.AbortAsync"/>, discards the rest of the data set and answers with the failure.
/// If the association dies mid-instance (abort, connection lost, listener stopping), AbortAsync is called too;
/// the sink deletes what it wrote. The SCP always disposes the instance last.
/// </remarks>
public interface IStorageSink
{
    /// <summary>Called once per C-STORE-RQ, before any data set byte.</summary>
    ValueTask<IIncomingInstance> BeginAsync(StoreRequestContext context, CancellationToken cancellationToken);
}

/// <summary>One instance being received. See <see cref="IStorageSink"/> for the order of calls.</summary>
public interface IIncomingInstance : IAsyncDisposable
{
    /// <summary>
    /// Receives the data set bytes exactly as sent: the encoding named by <see cref="StoreRequestContext.TransferSyntaxUid"/>,
    /// without a Part-10 preamble or meta header (writing one, if wanted, is the sink's business).
    /// </summary>
    Stream Content { get; }

    /// <summary>
    /// The last byte has been written: make the instance durable (flush, fsync, rename) and return the status to
    /// send, normally <see cref="DimseStatus.Success"/> or a warning such as 0xB000.
    /// </summary>
    ValueTask<DimseStatus> CommitAsync(CancellationToken cancellationToken);

    /// <summary>The instance will not be completed; remove whatever was written.</summary>
    ValueTask AbortAsync(CancellationToken cancellationToken);
}

/// <summary>What the SCP knows about an instance when it asks the sink for a destination.</summary>
public sealed record StoreRequestContext
{
    public required long AssociationId { get; init; }
    public required string CallingAeTitle { get; init; }
    public required string CalledAeTitle { get; init; }
    public IPEndPoint? RemoteEndPoint { get; init; }
    public required string SopClassUid { get; init; }
    public required string SopInstanceUid { get; init; }
    /// <summary>Transfer syntax of the presentation context: the encoding of the bytes written to Content.</summary>
    public required string TransferSyntaxUid { get; init; }
    public required byte PresentationContextId { get; init; }
    public required ushort MessageId { get; init; }
    /// <summary>0 medium, 1 high, 2 low (PS3.7 9.3.1.1).</summary>
    public ushort Priority { get; init; }
    /// <summary>Set when the store is a sub-operation of a C-MOVE (PS3.7 9.3.1.1).</summary>
    public string? MoveOriginatorAeTitle { get; init; }
    public ushort? MoveOriginatorMessageId { get; init; }
    /// <summary>Implementation class UID and version name the peer announced, for the meta header's Source fields.</summary>
    public string? ImplementationClassUid { get; init; }
    public string? ImplementationVersionName { get; init; }
}

/// <summary>Thrown by a sink to answer with a specific status (e.g. 0xA700, 0xA900, 0x0111) instead of the default mapping.</summary>
public sealed class StorageSinkException(DimseStatus status, string message, Exception? inner = null) : Exception(message, inner)
{
    public DimseStatus Status { get; } = status;
}
