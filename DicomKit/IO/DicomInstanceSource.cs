using System.IO.Pipelines;
using DicomKit.Data;

namespace DicomKit.IO;

/// <summary>
/// A Part-10 file prepared for sending: what a C-STORE needs to know about it (SOP class and instance, the
/// syntax it is stored in) and a way to stream its data set in the syntax the peer accepted. The same-syntax
/// path is a plain byte range of the file; a different uncompressed syntax is transcoded on the fly through a
/// pipe, so neither path ever holds the instance in memory.
/// </summary>
public sealed class DicomInstanceSource
{
    private readonly string _path;

    private DicomInstanceSource(string path, string sopClassUid, string sopInstanceUid, DicomTransferSyntax syntax, long datasetOffset, long datasetLength)
    {
        _path = path;
        SopClassUid = sopClassUid;
        SopInstanceUid = sopInstanceUid;
        TransferSyntax = syntax;
        DatasetOffset = datasetOffset;
        DatasetLength = datasetLength;
    }

    public string SopClassUid { get; }
    public string SopInstanceUid { get; }

    /// <summary>The syntax the data set is stored in.</summary>
    public DicomTransferSyntax TransferSyntax { get; }

    public long DatasetOffset { get; }

    /// <summary>Length in bytes of the stored data set (after the meta information).</summary>
    public long DatasetLength { get; }

    /// <summary>Reads the meta information (and, when it lacks them, the data set header) of a file.</summary>
    public static DicomInstanceSource Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var file = DicomFile.Open(full, DicomReadOptions.Default with { StopAtTag = new DicomTag(0x0008, 0x0019) });
        var sopClass = file.FileMetaInformation.GetString(WellKnownTags.MediaStorageSOPClassUID);
        var sopInstance = file.FileMetaInformation.GetString(WellKnownTags.MediaStorageSOPInstanceUID);
        if (string.IsNullOrEmpty(sopClass)) sopClass = file.Dataset.GetString(WellKnownTags.SOPClassUID);
        if (string.IsNullOrEmpty(sopInstance)) sopInstance = file.Dataset.GetString(WellKnownTags.SOPInstanceUID);
        if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance))
            throw new DicomFormatException("The file names no SOP Class UID or SOP Instance UID", 0);
        var length = new FileInfo(full).Length - file.DatasetOffset;
        return new DicomInstanceSource(full, sopClass, sopInstance, file.TransferSyntax, file.DatasetOffset, length);
    }

    /// <summary>True when the data set can be sent in <paramref name="target"/>: its own syntax, or another native uncompressed one.</summary>
    public bool CanSendAs(DicomTransferSyntax target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Uid == TransferSyntax.Uid) return true;
        var fromNative = TransferSyntax.IsUncompressedNative || TransferSyntax.Uid == DicomTransferSyntax.DeflatedExplicitVRLittleEndian.Uid;
        var toNative = target.IsUncompressedNative || target.Uid == DicomTransferSyntax.DeflatedExplicitVRLittleEndian.Uid;
        return fromNative && toNative;
    }

    /// <summary>
    /// Opens the data set encoded in <paramref name="target"/>. For the stored syntax this is the file's bytes; for
    /// another uncompressed syntax a background writer transcodes into a pipe that the returned stream drains.
    /// </summary>
    public Stream OpenDataset(DicomTransferSyntax target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Uid == TransferSyntax.Uid)
        {
            var fs = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);
            return new RangeStream(fs, DatasetOffset, DatasetLength);
        }
        if (!CanSendAs(target))
            throw new NotSupportedException($"A data set in {TransferSyntax.Name} cannot be sent as {target.Name}: DicomKit has no image codecs.");

        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        _ = Task.Run(() =>
        {
            try
            {
                var file = DicomFile.Open(_path);
                using var output = pipe.Writer.AsStream(leaveOpen: true);
                if (target.IsDeflated)
                {
                    using var deflate = new System.IO.Compression.DeflateStream(output, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true);
                    using var buffered = new BufferedStream(deflate, 64 * 1024);
                    new DicomDatasetWriter(buffered).Write(file.Dataset, target);
                }
                else
                {
                    using var buffered = new BufferedStream(output, 64 * 1024);
                    new DicomDatasetWriter(buffered).Write(file.Dataset, target);
                }
                pipe.Writer.Complete();
            }
            catch (Exception e)
            {
                pipe.Writer.Complete(e);
            }
        });
        return pipe.Reader.AsStream();
    }
}
