using System.Collections.Concurrent;
using DicomKit.Network;

namespace Gateway.Tests.Support;

/// <summary>
/// A destination made with DicomKit's own listener: it counts each SOP Instance UID it receives, can take its time
/// before answering, and answers with a chosen status.
/// </summary>
internal sealed class ScriptedDestination : IStorageSink, IAsyncDisposable
{
    public const string AeTitle = "SCRIPTED";

    private DicomListener? _listener;

    public ConcurrentDictionary<string, int> Received { get; } = new(StringComparer.Ordinal);

    /// <summary>The transfer syntax each SOP Instance UID last arrived in (the one its presentation context was accepted in).</summary>
    public ConcurrentDictionary<string, string> ReceivedSyntaxes { get; } = new(StringComparer.Ordinal);

    /// <summary>How long each C-STORE waits before it is answered.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The status each C-STORE is answered with.</summary>
    public DimseStatus Status { get; set; } = DimseStatus.Success;

    public int Port => _listener?.LocalEndPoint.Port ?? throw new InvalidOperationException("not started");

    public async Task StartAsync()
    {
        _listener = new DicomListener(new DicomListenerOptions { AeTitle = AeTitle, Port = 0, BindAddress = "127.0.0.1" }, this);
        await _listener.StartAsync();
    }

    public ValueTask<IIncomingInstance> BeginAsync(StoreRequestContext context, CancellationToken cancellationToken)
    {
        ReceivedSyntaxes[context.SopInstanceUid] = context.TransferSyntaxUid;
        return ValueTask.FromResult<IIncomingInstance>(new Incoming(this, context.SopInstanceUid));
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null) await _listener.DisposeAsync();
    }

    private sealed class Incoming(ScriptedDestination owner, string sopInstanceUid) : IIncomingInstance
    {
        public Stream Content { get; } = Stream.Null;

        public async ValueTask<DimseStatus> CommitAsync(CancellationToken cancellationToken)
        {
            if (owner.Delay > TimeSpan.Zero) await Task.Delay(owner.Delay, cancellationToken);
            if (!owner.Status.IsFailure) owner.Received.AddOrUpdate(sopInstanceUid, 1, (_, n) => n + 1);
            return owner.Status;
        }

        public ValueTask AbortAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
