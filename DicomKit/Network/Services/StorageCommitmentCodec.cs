using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Network.Services;

/// <summary>
/// Reads the N-ACTION action information and writes the N-EVENT-REPORT event information of Storage Commitment
/// (PS3.4 Tables J.3-1 and J.3-2) in the presentation context's transfer syntax. Both are small data sets held in memory.
/// </summary>
internal static class StorageCommitmentCodec
{
    /// <summary>Parses a request; throws <see cref="StorageCommitmentFormatException"/> with the status PS3.7 gives for the defect.</summary>
    public static StorageCommitmentRequest ReadRequest(ReadOnlyMemory<byte> bytes, string transferSyntaxUid)
    {
        var dataset = Read(bytes, transferSyntaxUid);
        var transaction = dataset.GetString(Tags.TransactionUID);
        if (string.IsNullOrWhiteSpace(transaction))
            throw new StorageCommitmentFormatException(MissingAttribute, "the request lacks Transaction UID (0008,1195)");
        var sequence = dataset.GetSequence(Tags.ReferencedSOPSequence);
        if (sequence is null || sequence.Items.Count == 0)
            throw new StorageCommitmentFormatException(MissingAttribute, "the request lacks Referenced SOP Sequence (0008,1199) items");
        return new StorageCommitmentRequest(transaction.Trim(), ReadItems(sequence));
    }

    /// <summary>Parses a report, as its requester receives it.</summary>
    public static StorageCommitmentResult ReadResult(ReadOnlyMemory<byte> bytes, string transferSyntaxUid)
    {
        var dataset = Read(bytes, transferSyntaxUid);
        var transaction = dataset.GetString(Tags.TransactionUID);
        if (string.IsNullOrWhiteSpace(transaction))
            throw new StorageCommitmentFormatException(MissingAttribute, "the report lacks Transaction UID (0008,1195)");
        var committed = dataset.GetSequence(Tags.ReferencedSOPSequence) is { } c ? ReadItems(c) : [];
        var failed = new List<FailedSop>();
        foreach (var item in dataset.GetSequence(Tags.FailedSOPSequence)?.Items ?? [])
        {
            var sop = ReadItem(item);
            var reason = item.TryGetValue<ushort>(Tags.FailureReason, out var r) ? r : (ushort)CommitmentFailureReason.ProcessingFailure;
            failed.Add(new FailedSop(sop.SopClassUid, sop.SopInstanceUid, (CommitmentFailureReason)reason));
        }
        return new StorageCommitmentResult(transaction.Trim(), committed, failed);
    }

    public static byte[] WriteRequest(StorageCommitmentRequest request, string transferSyntaxUid)
    {
        var dataset = new DicomDataset();
        dataset.AddOrUpdate(Tags.TransactionUID, DicomVR.UI, request.TransactionUid);
        dataset.AddOrUpdate(new DicomSequence(Tags.ReferencedSOPSequence, request.ReferencedSops.Select(ToItem)));
        return Write(dataset, transferSyntaxUid);
    }

    public static byte[] WriteResult(StorageCommitmentResult result, string transferSyntaxUid)
    {
        var dataset = new DicomDataset();
        dataset.AddOrUpdate(Tags.TransactionUID, DicomVR.UI, result.TransactionUid);
        // Only non-empty sequences are sent: PS3.4 Table J.3-2 makes each conditional on having an item.
        if (result.Committed.Count > 0)
            dataset.AddOrUpdate(new DicomSequence(Tags.ReferencedSOPSequence, result.Committed.Select(ToItem)));
        if (result.Failed.Count > 0)
        {
            dataset.AddOrUpdate(new DicomSequence(Tags.FailedSOPSequence, result.Failed.Select(f =>
            {
                var item = ToItem(new ReferencedSop(f.SopClassUid, f.SopInstanceUid));
                item.AddOrUpdate(Tags.FailureReason, DicomVR.US, (ushort)f.Reason);
                return item;
            })));
        }
        return Write(dataset, transferSyntaxUid);
    }

    /// <summary>The N-ACTION status for a request missing a mandatory attribute: invalid argument value (PS3.7 10.1.4.1.10).</summary>
    public static readonly DimseStatus MissingAttribute = new(0x0115);

    /// <summary>The N-ACTION status for an action information data set that cannot be decoded: mistyped argument.</summary>
    public static readonly DimseStatus Undecodable = DimseStatus.MistypedArgument;

    private static DicomDataset ToItem(ReferencedSop sop)
    {
        var item = new DicomDataset();
        item.AddOrUpdate(Tags.ReferencedSOPClassUID, DicomVR.UI, sop.SopClassUid);
        item.AddOrUpdate(Tags.ReferencedSOPInstanceUID, DicomVR.UI, sop.SopInstanceUid);
        return item;
    }

    private static List<ReferencedSop> ReadItems(DicomSequence sequence) => [.. sequence.Items.Select(ReadItem)];

    private static ReferencedSop ReadItem(DicomDataset item)
    {
        var cls = item.GetString(Tags.ReferencedSOPClassUID);
        var instance = item.GetString(Tags.ReferencedSOPInstanceUID);
        if (string.IsNullOrWhiteSpace(cls) || string.IsNullOrWhiteSpace(instance))
            throw new StorageCommitmentFormatException(MissingAttribute, "a Referenced SOP Sequence item lacks its SOP class or instance UID");
        return new ReferencedSop(cls.Trim(), instance.Trim());
    }

    private static DicomDataset Read(ReadOnlyMemory<byte> bytes, string transferSyntaxUid)
    {
        if (!DicomTransferSyntax.IsKnown(transferSyntaxUid) || DicomTransferSyntax.FromUid(transferSyntaxUid) is { IsDeflated: true } or { IsEncapsulated: true })
            throw new StorageCommitmentFormatException(Undecodable, "the transfer syntax is not one a commitment data set is read in");
        var dataset = new DicomDataset();
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            using var reader = new ByteReader(stream);
            new DicomDatasetReader(reader, DicomReadOptions.Default, null).Read(dataset, DicomEncodingRules.Of(DicomTransferSyntax.FromUid(transferSyntaxUid)));
        }
        catch (Exception e) when (e is DicomFormatException or InvalidDataException or EndOfStreamException or FormatException or OverflowException)
        {
            throw new StorageCommitmentFormatException(Undecodable, "the data set cannot be decoded: " + e.Message);
        }
        return dataset;
    }

    private static byte[] Write(DicomDataset dataset, string transferSyntaxUid)
    {
        using var stream = new MemoryStream();
        new DicomDatasetWriter(stream).Write(dataset, DicomTransferSyntax.FromUid(transferSyntaxUid));
        return stream.ToArray();
    }
}

/// <summary>A commitment data set that is not what PS3.4 Annex J asks for; <see cref="Status"/> is the answer to send.</summary>
internal sealed class StorageCommitmentFormatException(DimseStatus status, string message) : Exception(message)
{
    public DimseStatus Status { get; } = status;
}
