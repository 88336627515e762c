using System.Buffers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Nodes;
using DicomGateway.Studies;
using DicomGateway.Storage;
using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Network;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Forwarding;

/// <summary>An attempt failed. <see cref="Permanent"/>: trying again cannot help (the node or the key is gone).</summary>
internal sealed class ForwardException(string message, bool permanent) : Exception(message)
{
    public bool Permanent { get; } = permanent;
}

/// <summary>
/// Sends one study to one node with the Storage SCU: each instance's blob is decrypted a segment at a time and its data
/// set streamed into P-DATA-TF PDUs, so neither the plaintext nor the instance is ever held whole or written to disk.
/// </summary>
/// <remarks>
/// A blob's plaintext is the Part-10 file the Storage SCP wrote: preamble, our meta information (with the transfer
/// syntax it was received in), then the data set bytes exactly as received. Per SOP class and stored syntax, two
/// presentation contexts are proposed: the stored syntax alone, and (when it is not compressed) Explicit and Implicit VR
/// Little Endian. When the destination accepts the stored syntax, the data set bytes go as they are. Otherwise an
/// uncompressed data set is transcoded, in memory, up to <see cref="MaxTranscodeBytes"/>; compressed data sets are sent
/// only in their own syntax (DicomKit has no codecs).
/// </remarks>
public sealed partial class StudyForwarder(StudyStore studies, NodeStore nodes, BlobStore blobs, IOptions<DicomListenerOptions> listener,
    IOptions<ForwardingOptions> options, ILoggerFactory loggerFactory, TimeProvider time, NodeTls? tls = null)
{
    /// <summary>The largest instance transcoded for a destination that refuses its stored syntax (it is held in memory to do so).</summary>
    public const long MaxTranscodeBytes = 64L * 1024 * 1024;

    private static readonly DicomTag FirstDatasetTag = new(0x0003, 0x0000);

    internal sealed record Prepared(ForwardDestination Destination, IReadOnlyList<StoredInstance> Instances, StudyDataKey DataKey) : IDisposable
    {
        public void Dispose() => DataKey.Dispose();
    }

    private sealed record InstanceMeta(long Ordinal, string Blob, string SopClassUid, string SopInstanceUid, DicomTransferSyntax Syntax, long DatasetOffset);

    /// <summary>Finds the node, the study's key and its instances. Throws a permanent <see cref="ForwardException"/> when one is gone.</summary>
    internal async Task<Prepared> PrepareAsync(ClaimedForward forward, CancellationToken cancellationToken)
    {
        var node = forward.NodeId is { } nodeId ? await nodes.GetAsync(nodeId, cancellationToken).ConfigureAwait(false) : null;
        if (node is null) throw new ForwardException("The destination node was deleted", permanent: true);
        var destination = new ForwardDestination(node.Id, node.Name, node.AeTitle, node.Host, node.Port, node.Tls, listener.Value.AeTitle.Trim());

        var study = await studies.FindAsync(forward.StudyId, cancellationToken).ConfigureAwait(false)
            ?? throw new ForwardException("The study no longer exists", permanent: true);
        if (!study.IsReadable)
            throw new ForwardException($"The study's key is gone (study state '{study.State.Name()}'): the gateway can no longer read it", permanent: true);
        var instances = await studies.InstancesAsync(forward.StudyId, cancellationToken).ConfigureAwait(false);
        if (instances.Count == 0) throw new ForwardException("The study has no instances left", permanent: true);
        StudyDataKey dataKey;
        try
        {
            dataKey = studies.LendKey(study);
        }
        catch (CryptographicException)
        {
            throw new ForwardException("The study's key cannot be opened; was the gateway key replaced?", permanent: true);
        }
        return new Prepared(destination, instances, dataKey);
    }

    /// <summary>
    /// Sends the instances after the first <paramref name="alreadySent"/> (which the destination acknowledged in an
    /// earlier attempt), calling <paramref name="acknowledged"/> with the running count after each success or warning.
    /// Returns the number of instances of the study. A refusal, a failure status or a broken association throws a
    /// transient <see cref="ForwardException"/> with a message for the administrator (no UIDs or patient data).
    /// </summary>
    internal async Task<long> SendAsync(Prepared prepared, long alreadySent, Func<long, Task> acknowledged, CancellationToken cancellationToken)
    {
        var total = prepared.Instances.Count;
        var start = (int)Math.Clamp(alreadySent, 0, total);
        if (start == total) return total;
        var destination = prepared.Destination;
        var metas = new List<InstanceMeta>(total - start);
        for (var i = start; i < total; i++)
            metas.Add(await ReadMetaAsync(prepared.Instances[i], prepared.DataKey.Bytes, cancellationToken).ConfigureAwait(false));

        using var lease = tls?.For(destination.AeTitle, destination.Tls);
        var clientOptions = new DicomClientOptions
        {
            Tls = lease?.Options,
            Host = destination.Host,
            Port = destination.Port,
            CalledAeTitle = destination.AeTitle,
            CallingAeTitle = listener.Value.AeTitle.Trim(),
            ResponseTimeout = options.Value.ResponseTimeout,
        };
        DicomClientAssociation association;
        using (var setup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            setup.CancelAfter(options.Value.ResponseTimeout);
            try
            {
                association = await DicomClient.AssociateAsync(clientOptions, Proposals(metas), loggerFactory, time, setup.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ForwardException($"No answer from {destination.Host}:{destination.Port} within {options.Value.ResponseTimeout.TotalSeconds:0} s", permanent: false);
            }
            catch (DicomNetworkException e)
            {
                throw new ForwardException(NodeVerifier.DescribeFailure(e, destination.AeTitle, destination.Host, destination.Port), permanent: false);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                throw new ForwardException($"The connection to {destination.Host}:{destination.Port} failed ({e.GetType().Name})", permanent: false);
            }
        }
        await using (association.ConfigureAwait(false))
        {
            try
            {
                for (var i = 0; i < metas.Count; i++)
                {
                    var number = start + i + 1;
                    var result = await StoreAsync(association, metas[i], prepared.DataKey.Bytes, number, total, destination, cancellationToken).ConfigureAwait(false);
                    if (result.Status.IsFailure || result.Status.Category is DimseStatusCategory.Cancel or DimseStatusCategory.Pending)
                        throw new ForwardException($"{destination.AeTitle} refused instance {number} of {total} with status {result.Status}{Comment(result.ErrorComment)}", permanent: false);
                    await acknowledged(number).ConfigureAwait(false);
                }
                await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DicomNetworkException e)
            {
                throw new ForwardException(NodeVerifier.DescribeFailure(e, destination.AeTitle, destination.Host, destination.Port), permanent: false);
            }
            catch (ShipmentIntegrityException)
            {
                throw new ForwardException("An instance's encrypted file is damaged", permanent: true);
            }
            catch (DicomFormatException)
            {
                throw new ForwardException("An instance could not be converted to a transfer syntax the destination accepts", permanent: true);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                throw new ForwardException($"The association with {destination.AeTitle} at {destination.Host}:{destination.Port} broke ({e.GetType().Name})", permanent: false);
            }
        }
        return total;
    }

    private async Task<StoreResult> StoreAsync(DicomClientAssociation association, InstanceMeta meta, byte[] dataKey, int number, int total,
        ForwardDestination destination, CancellationToken cancellationToken)
    {
        var file = OpenBlob(meta.Ordinal, meta.Blob);
        await using (file.ConfigureAwait(false))
        {
            var plaintext = await OpenPlaintextAsync(file, dataKey, meta.Ordinal, cancellationToken).ConfigureAwait(false);
            await using (plaintext.ConfigureAwait(false))
            {
                if (association.FindContext(meta.SopClassUid, meta.Syntax.Uid) is not null)
                {
                    plaintext.Position = meta.DatasetOffset;
                    return await association.StoreAsync(new StoreRequest(meta.SopClassUid, meta.SopInstanceUid, meta.Syntax.Uid, plaintext,
                        plaintext.Length - meta.DatasetOffset), cancellationToken).ConfigureAwait(false);
                }
                var target = TranscodeTarget(association, meta)
                    ?? throw new ForwardException($"{destination.AeTitle} accepted no presentation context for instance {number} of {total} " +
                        $"(SOP class {meta.SopClassUid}, transfer syntax {meta.Syntax.Uid})", permanent: false);
                if (plaintext.Length > MaxTranscodeBytes)
                    throw new ForwardException($"{destination.AeTitle} does not accept {meta.Syntax.Name} for instance {number} of {total}, and it is too large " +
                        $"to convert ({plaintext.Length} bytes; at most {MaxTranscodeBytes})", permanent: false);
                using var converted = await TranscodeAsync(plaintext, target, cancellationToken).ConfigureAwait(false);
                return await association.StoreAsync(new StoreRequest(meta.SopClassUid, meta.SopInstanceUid, target.Uid, converted, converted.Length),
                    cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static DicomTransferSyntax? TranscodeTarget(DicomClientAssociation association, InstanceMeta meta)
    {
        if (!CanTranscode(meta.Syntax)) return null;
        foreach (var candidate in new[] { DicomTransferSyntax.ExplicitVRLittleEndian, DicomTransferSyntax.ImplicitVRLittleEndian })
            if (association.FindContext(meta.SopClassUid, candidate.Uid) is not null) return candidate;
        return null;
    }

    private static bool CanTranscode(DicomTransferSyntax syntax) =>
        syntax.IsUncompressedNative || syntax.Uid == DicomTransferSyntax.DeflatedExplicitVRLittleEndian.Uid;

    /// <summary>
    /// Converts an uncompressed data set to <paramref name="target"/> in memory (the pixel data included: bounded by
    /// <see cref="MaxTranscodeBytes"/>). Parsing from a file path would leave large values on disk in plaintext; this never does.
    /// </summary>
    private static async Task<MemoryStream> TranscodeAsync(Stream plaintext, DicomTransferSyntax target, CancellationToken cancellationToken)
    {
        var bytes = new byte[plaintext.Length];
        plaintext.Position = 0;
        await plaintext.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        try
        {
            using var source = new MemoryStream(bytes, writable: false);
            var file = DicomFile.Open(source, DicomReadOptions.Default with { LargeValueThreshold = int.MaxValue });
            var output = new MemoryStream();
            new DicomDatasetWriter(output).Write(file.Dataset, target);
            output.Position = 0;
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Per SOP class and stored syntax: the stored syntax alone, and (if convertible) Explicit and Implicit VR LE.</summary>
    private static List<PresentationContextProposal> Proposals(IEnumerable<InstanceMeta> metas)
    {
        var proposals = new List<PresentationContextProposal>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var meta in metas)
        {
            if (seen.Add(meta.SopClassUid + "|" + meta.Syntax.Uid))
                proposals.Add(new PresentationContextProposal(meta.SopClassUid, [meta.Syntax.Uid]));
            if (CanTranscode(meta.Syntax) && seen.Add(meta.SopClassUid + "|native"))
                proposals.Add(new PresentationContextProposal(meta.SopClassUid, [DicomTransferSyntax.ExplicitVRLittleEndian.Uid, DicomTransferSyntax.ImplicitVRLittleEndian.Uid]));
        }
        if (proposals.Count > 128)
            throw new ForwardException($"The study needs {proposals.Count} presentation contexts (SOP classes × transfer syntaxes); one association carries at most 128", permanent: true);
        return proposals;
    }

    /// <summary>Reads the meta information at the start of an instance's plaintext (only its first segment is decrypted for this).</summary>
    private async Task<InstanceMeta> ReadMetaAsync(StoredInstance instance, byte[] dataKey, CancellationToken cancellationToken)
    {
        var file = OpenBlob(instance.Ordinal, instance.Blob);
        await using (file.ConfigureAwait(false))
        {
            var plaintext = await OpenPlaintextAsync(file, dataKey, instance.Ordinal, cancellationToken).ConfigureAwait(false);
            await using (plaintext.ConfigureAwait(false))
            {
                var head = ArrayPool<byte>.Shared.Rent((int)Math.Min(plaintext.Length, 64 * 1024));
                try
                {
                    var want = (int)Math.Min(plaintext.Length, head.Length);
                    var read = await plaintext.ReadAtLeastAsync(head.AsMemory(0, want), want, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    using var buffered = new MemoryStream(head, 0, read, writable: false);
                    var parsed = DicomFile.Open(buffered, DicomReadOptions.Default with { StopAtTag = FirstDatasetTag });
                    var sopClass = parsed.FileMetaInformation.GetString(Tags.MediaStorageSOPClassUID);
                    var sopInstance = parsed.FileMetaInformation.GetString(Tags.MediaStorageSOPInstanceUID);
                    if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance))
                        throw new ForwardException($"Instance {instance.Ordinal} has no SOP class or instance in its meta information", permanent: true);
                    return new InstanceMeta(instance.Ordinal, instance.Blob, sopClass, sopInstance, parsed.TransferSyntax, parsed.DatasetOffset);
                }
                catch (DicomFormatException)
                {
                    throw new ForwardException($"Instance {instance.Ordinal} cannot be read as a DICOM file", permanent: true);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(head);
                    ArrayPool<byte>.Shared.Return(head);
                }
            }
        }
    }

    private FileStream OpenBlob(long ordinal, string blob)
    {
        try
        {
            return new FileStream(blobs.PathOf(blob), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ForwardException($"The encrypted file of instance {ordinal} is missing", permanent: true);
        }
    }

    private static async Task<SegmentedDecryptingStream> OpenPlaintextAsync(FileStream file, byte[] dataKey, long ordinal, CancellationToken cancellationToken)
    {
        try
        {
            return await SegmentedDecryptingStream.OpenAsync(file, dataKey, (uint)ordinal, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        }
        catch (ShipmentIntegrityException)
        {
            throw new ForwardException($"The encrypted file of instance {ordinal} is damaged or does not belong to the study", permanent: true);
        }
    }

    /// <summary>The destination's error comment, without anything that looks like a UID (it might name the instance).</summary>
    private static string Comment(string? comment)
    {
        if (string.IsNullOrWhiteSpace(comment)) return "";
        var clean = UidLike().Replace(comment.Trim(), "[uid]");
        return ": " + (clean.Length > 200 ? clean[..200] : clean);
    }

    [GeneratedRegex(@"\d+(\.\d+){3,}")]
    private static partial Regex UidLike();
}
