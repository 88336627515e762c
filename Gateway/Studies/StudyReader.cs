using DicomGateway.Crypto;
using DicomGateway.Storage;
using DicomKit.Data;
using DicomKit.IO;

namespace DicomGateway.Studies;

/// <summary>Reads what the gateway itself may read of a study it still holds the key of.</summary>
public static class StudyReader
{
    /// <summary>
    /// An instance's attributes up to the pixel data: its blob is decrypted a segment at a time, in memory, and
    /// parsing stops at (7FE0,0008), so no pixel data is read. Any attribute of the header can then be matched. Binary values
    /// over 16 MiB before it (an encapsulated PDF or STL) are read past, not kept: no rule matches their bytes.
    /// </summary>
    public static DicomDataset ReadHeader(BlobStore blobs, StoredInstance instance, StudyDataKey dataKey)
    {
        using var file = new FileStream(blobs.PathOf(instance.Blob), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        using var plaintext = SegmentedDecryptingStream.Open(file, dataKey.Bytes, (uint)instance.Ordinal, leaveOpen: true);
        return DicomFile.Open(plaintext, DicomReadOptions.Default with { StopAtTag = new DicomTag(0x7FE0, 0x0008), LargeValueThreshold = 16 * 1024 * 1024, SkipLargeBulkData = true }).Dataset;
    }
}
