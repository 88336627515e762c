using System.IO.Pipelines;
using System.Net;
using DicomKit.Network;
using DicomKit.Network.Dimse;
using DicomKit.Network.Services;
using DicomKit.Network.UpperLayer;
using Microsoft.Extensions.Logging.Abstractions;

namespace DicomKit.Fuzzing.Targets;

/// <summary>
/// The acceptor's input handling: the bytes arrive as if from a peer (in pieces, then the connection closes) at an
/// <see cref="ScpSession"/> whose storage sink discards. The session must end on its own within the bound; nothing may
/// escape it, since every bad input is the peer's fault and ends in an abort, a reject or a failure status.
/// </summary>
internal static class AssociationTarget
{
    /// <summary>Far above what one input needs (milliseconds); reaching it means the session stopped making progress.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static readonly DicomListenerOptions Options = new() { AeTitle = "FUZZSCP" };
    private static readonly AssociationLimits Limits = new(16 * 1024, AssociationLimits.DefaultMaxAssociatePdu,
        TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
            return;
        var pieceLength = input[0] % 61 + 4;
        var bytes = input[1..].ToArray();
        var run = Task.Run(() => RunSessionAsync(bytes, pieceLength));
        if (!run.Wait(Bound))
            throw new TimeoutException($"the SCP session did not finish within {Bound.TotalSeconds:0} s of its input ending");
        run.GetAwaiter().GetResult();
    }

    private static async Task RunSessionAsync(byte[] bytes, int pieceLength)
    {
        var transport = new InMemoryTransport();
        var machine = new AssociationMachine(transport, isRequestor: false, Limits, NullLogger.Instance, TimeProvider.System, 1);
        await using (machine.ConfigureAwait(false))
        {
            var session = new ScpSession(machine, new IPEndPoint(IPAddress.Loopback, 104), Options, DiscardingSink.Instance,
                NullLogger.Instance, (_, _) => Task.FromResult(Array.Empty<IPAddress>()), () => { }, _ => null);
            var feed = transport.FeedAsync(bytes, pieceLength);
            await session.RunAsync(CancellationToken.None).ConfigureAwait(false);
            await feed.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A peer that sends the input in pieces and then closes; what the SCP sends back is dropped. Closing from the SCP
    /// side ends the input as a socket shutdown does. The pipe never pauses the writer, so each piece is written
    /// synchronously under the lock that also guards completing the writer.
    /// </summary>
    private sealed class InMemoryTransport : ITransport
    {
        private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        private readonly Lock _gate = new();
        private bool _completed;

        public PipeReader Input => _pipe.Reader;
        public string RemoteDescription => "fuzz";
        public ValueTask<bool> ConnectAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);
        public ValueTask SendAsync(ReadOnlyMemory<byte> pdu, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        public void BeforeReceive() { }
        public void Close() => Complete();
        public ValueTask DisposeAsync()
        {
            Complete();
            return ValueTask.CompletedTask;
        }

        public async Task FeedAsync(byte[] bytes, int pieceLength)
        {
            for (var at = 0; at < bytes.Length; at += pieceLength)
            {
                lock (_gate)
                {
                    if (_completed)
                        return;
                    var piece = bytes.AsSpan(at, Math.Min(pieceLength, bytes.Length - at));
                    piece.CopyTo(_pipe.Writer.GetSpan(piece.Length));
                    _pipe.Writer.Advance(piece.Length);
                    var flush = _pipe.Writer.FlushAsync();
                    if (!flush.IsCompleted)
                        throw new InvalidOperationException("the fuzz pipe paused its writer");
                    flush.GetAwaiter().GetResult();
                }
                await Task.Yield();
            }
            Complete();
        }

        private void Complete()
        {
            lock (_gate)
            {
                if (_completed)
                    return;
                _completed = true;
                _pipe.Writer.Complete();
            }
        }
    }

    private sealed class DiscardingSink : IStorageSink
    {
        public static readonly DiscardingSink Instance = new();

        public ValueTask<IIncomingInstance> BeginAsync(StoreRequestContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IIncomingInstance>(new Discarded());

        private sealed class Discarded : IIncomingInstance
        {
            public Stream Content { get; } = Stream.Null;
            public ValueTask<DimseStatus> CommitAsync(CancellationToken cancellationToken) => ValueTask.FromResult(DimseStatus.Success);
            public ValueTask AbortAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
