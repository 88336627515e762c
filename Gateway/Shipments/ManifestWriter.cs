using System.Text.Json;
using DicomGateway.Crypto;
using DicomGateway.Storage;
using DicomGateway.Studies;

namespace DicomGateway.Shipments;

/// <summary>Builds a study's manifest from its instances' summaries and writes it, encrypted, as blob 0 of the shipment.</summary>
internal static class ManifestWriter
{
    public static Manifest Build(IReadOnlyList<StoredInstance> instances, StudyDataKey dataKey) =>
        Manifest.Build([.. instances.Select(i => (SummaryCodec.Decode(dataKey.Bytes, i.Summary!), i.Ordinal, i.PlaintextLength, i.CiphertextLength))]);

    /// <summary>Writes the manifest blob durably (file and directory synced) and returns its id.</summary>
    public static async Task<string> WriteAsync(BlobStore blobs, Manifest manifest, StudyDataKey dataKey, CancellationToken cancellationToken)
    {
        await using var pending = blobs.Create();
        await using (var encryptor = new SegmentedEncryptingStream(pending.Stream, dataKey.Bytes, 0, leaveOpen: true))
        {
            await JsonSerializer.SerializeAsync(encryptor, manifest, SummaryCodec.Json, cancellationToken).ConfigureAwait(false);
            await encryptor.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        await pending.CommitAsync(cancellationToken).ConfigureAwait(false);
        await pending.SyncDirectoryAsync(cancellationToken).ConfigureAwait(false);
        return pending.Id;
    }
}
