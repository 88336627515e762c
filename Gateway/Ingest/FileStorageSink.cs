using DicomGateway.Storage;
using DicomKit.IO;
using DicomKit.Network;

namespace DicomGateway.Ingest;

/// <summary>
/// The Storage SCP's sink: each received data set is streamed into a Part-10 file of the instance store as it
/// arrives, prefixed with a meta header of our own. Success is reported only after the file is fsynced and renamed.
/// </summary>
public sealed class FileStorageSink(InstanceFileStore store) : IStorageSink
{
    public async ValueTask<IIncomingInstance> BeginAsync(StoreRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var syntax = DicomTransferSyntax.FromUid(context.TransferSyntaxUid);
        var pending = await store.BeginAsync(context.SopClassUid, context.SopInstanceUid, syntax, context.CallingAeTitle, cancellationToken)
            .ConfigureAwait(false);
        return new Incoming(pending);
    }

    private sealed class Incoming(PendingInstance pending) : IIncomingInstance
    {
        public Stream Content => pending.Stream;

        public async ValueTask<DimseStatus> CommitAsync(CancellationToken cancellationToken)
        {
            await pending.CommitAsync(cancellationToken).ConfigureAwait(false);
            return DimseStatus.Success;
        }

        public async ValueTask AbortAsync(CancellationToken cancellationToken) => await pending.AbortAsync().ConfigureAwait(false);

        public ValueTask DisposeAsync() => pending.DisposeAsync();
    }
}
