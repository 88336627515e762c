using System.IO.Compression;
using System.Text;
using DicomKit.Data;

namespace DicomKit.IO;

/// <summary>
/// A DICOM Part-10 file (PS3.10 7.1): the meta information and the data set. Reading detects files without
/// preamble or without meta information; writing always emits a zeroed preamble and a meta header of our own.
/// </summary>
public sealed class DicomFile
{
    /// <summary>Identifies files and associations made by this toolkit (a UUID-derived UID, PS3.5 B.2).</summary>
    public const string ImplementationClassUid = "2.25.273761692899998099475724831874785733490";

    /// <summary>Implementation Version Name (SH, at most 16 characters).</summary>
    public const string ImplementationVersionName = "DICOMKIT_0_1";

    public DicomFile(DicomDataset dataset, DicomTransferSyntax transferSyntax, DicomDataset? fileMetaInformation = null)
    {
        Dataset = dataset;
        TransferSyntax = transferSyntax;
        FileMetaInformation = fileMetaInformation ?? new DicomDataset();
    }

    /// <summary>Group 0002 as read (empty when the file had none).</summary>
    public DicomDataset FileMetaInformation { get; }

    public DicomDataset Dataset { get; }

    /// <summary>The transfer syntax the data set was read in (from the meta header, or detected).</summary>
    public DicomTransferSyntax TransferSyntax { get; }

    /// <summary>How the source was laid out: with a 128-byte preamble and "DICM", with meta information only, or a bare data set.</summary>
    public DicomFileLayout Layout { get; private init; }

    /// <summary>Byte offset of the data set in the source (after the meta information).</summary>
    public long DatasetOffset { get; private init; }

    /// <summary>
    /// With <see cref="DicomReadOptions.StopAtTag"/>, the first top-level tag that was not read; null when the data set
    /// ended first. A header read of a partial stream uses it to know whether it saw everything it asked for.
    /// </summary>
    public DicomTag? StoppedAt { get; private init; }

    // ---- reading ----

    /// <summary>Reads a file. Values larger than <see cref="DicomReadOptions.LargeValueThreshold"/> stay byte ranges of the file.</summary>
    public static DicomFile Open(string path, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        using var fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        return Read(fs, options ?? DicomReadOptions.Default, full);
    }

    /// <summary>
    /// Reads from a stream. Large values are spilled encrypted (or read past, with
    /// <see cref="DicomReadOptions.SkipLargeBulkData"/>), since the stream may not be revisited.
    /// </summary>
    public static DicomFile Open(Stream stream, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Read(stream, options ?? DicomReadOptions.Default, null);
    }

    private static DicomFile Read(Stream stream, DicomReadOptions options, string? path)
    {
        using var reader = new ByteReader(stream);
        var layout = DetectLayout(reader);
        var meta = new DicomDataset();
        if (layout != DicomFileLayout.DatasetOnly)
            ReadMeta(reader, meta, options);

        var tsUid = meta.GetString(WellKnownTags.TransferSyntaxUID);
        var ts = string.IsNullOrEmpty(tsUid) ? DetectSyntax(reader) : DicomTransferSyntax.FromUid(tsUid);
        var datasetOffset = reader.Position;
        var dataset = new DicomDataset();
        DicomTag? stoppedAt;

        if (ts.IsDeflated)
        {
            var compressed = reader.DetachAtPosition();
            using var inflate = new DeflateStream(compressed, CompressionMode.Decompress, leaveOpen: true);
            using var capped = new CappedStream(inflate, options.MaxInflatedBytes);
            using var inner = new ByteReader(capped);
            var datasetReader = new DicomDatasetReader(inner, options, null);
            datasetReader.Read(dataset, DicomEncodingRules.Of(ts));
            stoppedAt = datasetReader.StoppedAt;
        }
        else
        {
            var datasetReader = new DicomDatasetReader(reader, options, path);
            datasetReader.Read(dataset, DicomEncodingRules.Of(ts));
            stoppedAt = datasetReader.StoppedAt;
        }
        return new DicomFile(dataset, ts, meta) { Layout = layout, DatasetOffset = datasetOffset, StoppedAt = stoppedAt };
    }

    private static DicomFileLayout DetectLayout(ByteReader reader)
    {
        var head = reader.Peek(132);
        if (head.Length == 132 && head[128] == 'D' && head[129] == 'I' && head[130] == 'C' && head[131] == 'M')
        {
            reader.Skip(132);
            return DicomFileLayout.Part10;
        }
        var start = reader.Peek(4);
        if (start.Length == 4 && start[0] == 'D' && start[1] == 'I' && start[2] == 'C' && start[3] == 'M')
        {
            reader.Skip(4);
            return DicomFileLayout.MetaWithoutPreamble;
        }
        if (start.Length == 4 && start[0] == 0x02 && start[1] == 0x00)
            return DicomFileLayout.MetaWithoutPreamble;
        if (start.Length < 4 && reader.Peek(1).Length == 0)
            throw new DicomFormatException("The file is empty", 0);
        // A data set never starts with tag (0000,0000) (group 0000 is the command set, not stored in files); zeros
        // here are a preamble whose "DICM" is missing, e.g. a file cut short, not a data set of empty elements.
        if (start.Length == 4 && start[0] == 0 && start[1] == 0 && start[2] == 0 && start[3] == 0)
            throw new DicomFormatException("Not a DICOM file: no \"DICM\" prefix after the preamble and no data set", 0);
        return DicomFileLayout.DatasetOnly;
    }

    /// <summary>Meta information is explicit VR little endian (PS3.10 7.1); read while the group is 0002.</summary>
    private static void ReadMeta(ByteReader reader, DicomDataset meta, DicomReadOptions options)
    {
        var metaOptions = options with { StopAtTag = null };
        var elementReader = new DicomDatasetReader(reader, metaOptions, null);
        var one = new DicomDataset();
        long? declaredEnd = null;
        while (true)
        {
            var next = reader.Peek(2);
            if (next.Length < 2 || next[0] != 0x02 || next[1] != 0x00) break;
            var at = reader.Position;
            one.Clear();
            // Read one element: a one-element data set bounded by the element's own header.
            elementReader.ReadSingle(one, DicomEncodingRules.ExplicitLittle);
            foreach (var item in one) meta.AddOrUpdate(item);
            if (reader.Position <= at) throw new DicomFormatException("The meta information does not advance", at);
            if (meta.Count == 1 && one.GetElement(WellKnownTags.FileMetaInformationGroupLength) is { Length: 4 } groupLength)
                declaredEnd = reader.Position + BitConverter.ToUInt32(groupLength.Value.Memory.Span);
        }
        if (meta.Count == 0) throw new DicomFormatException("The file meta information is empty", reader.Position);
        // A file cut between two meta elements would otherwise read as a file without data set. The group length is
        // trusted only to notice that the data ended early: a wrong group length in a complete file is tolerated.
        if (declaredEnd is { } end && reader.Position < end && reader.Peek(1).Length == 0)
            throw new DicomFormatException($"The file ends inside the file meta information, which should end at {end}", reader.Position, WellKnownTags.FileMetaInformationGroupLength);
    }

    /// <summary>For files without meta information: explicit or implicit VR, little or big endian, from the first element.</summary>
    private static DicomTransferSyntax DetectSyntax(ByteReader reader)
    {
        var h = reader.Peek(6);
        if (h.Length < 6) return DicomTransferSyntax.ImplicitVRLittleEndian;
        var explicitVr = DicomVR.TryParse(h[4], h[5], out _);
        if (!explicitVr) return DicomTransferSyntax.ImplicitVRLittleEndian;
        var little = (ushort)(h[0] | (h[1] << 8));
        var big = (ushort)((h[0] << 8) | h[1]);
        return big < little ? DicomTransferSyntax.ExplicitVRBigEndian : DicomTransferSyntax.ExplicitVRLittleEndian;
    }

    // ---- writing ----

    /// <summary>Writes the file to <paramref name="path"/> through a temporary name, then renames it, so a reader never sees half a file.</summary>
    public void Save(string path, DicomTransferSyntax? transferSyntax = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var tmp = path + ".part";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1))
        {
            Save(fs, transferSyntax);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Writes preamble, meta information and data set. Between the native uncompressed syntaxes (and deflate) the
    /// data set is transcoded; an encapsulated data set can only be written in its own syntax (no codecs here).
    /// </summary>
    public void Save(Stream output, DicomTransferSyntax? transferSyntax = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var ts = transferSyntax ?? TransferSyntax;
        CheckTranscodable(TransferSyntax, ts);
        var buffered = new BufferedStream(output, 64 * 1024);
        buffered.Write(new byte[128]);
        buffered.Write("DICM"u8);
        var meta = BuildMeta(ts);
        new DicomDatasetWriter(buffered).WriteDataset(meta, DicomEncodingRules.ExplicitLittle, isMeta: true);
        if (ts.IsDeflated)
        {
            buffered.Flush();
            using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
            using (var deflateBuffer = new BufferedStream(deflate, 64 * 1024))
            {
                new DicomDatasetWriter(deflateBuffer).Write(Dataset, ts);
            }
        }
        else
        {
            new DicomDatasetWriter(buffered).Write(Dataset, ts);
            buffered.Flush();
        }
    }

    private void CheckTranscodable(DicomTransferSyntax from, DicomTransferSyntax to)
    {
        if (from.Uid == to.Uid || !Dataset.Contains(WellKnownTags.PixelData)) return;
        if (from.IsEncapsulated || to.IsEncapsulated)
            throw new NotSupportedException($"Pixel data in {from.Name} cannot be written as {to.Name}: DicomKit has no image codecs.");
    }

    /// <summary>The meta group we write: version 00\01, SOP class and instance from the data set, our implementation identity.</summary>
    private DicomDataset BuildMeta(DicomTransferSyntax ts)
    {
        var sopClass = Dataset.GetString(WellKnownTags.SOPClassUID) ?? FileMetaInformation.GetString(WellKnownTags.MediaStorageSOPClassUID) ?? "";
        var sopInstance = Dataset.GetString(WellKnownTags.SOPInstanceUID) ?? FileMetaInformation.GetString(WellKnownTags.MediaStorageSOPInstanceUID) ?? "";
        return BuildMeta(sopClass, sopInstance, ts, FileMetaInformation);
    }

    private static DicomDataset BuildMeta(string sopClass, string sopInstance, DicomTransferSyntax ts, DicomDataset? keepFrom)
    {
        var meta = new DicomDataset();
        meta.AddOrUpdate(new DicomElement(WellKnownTags.FileMetaInformationVersion, DicomVR.OB, ValueSource.FromBytes(new byte[] { 0, 1 })));
        meta.AddOrUpdate(WellKnownTags.MediaStorageSOPClassUID, DicomVR.UI, sopClass);
        meta.AddOrUpdate(WellKnownTags.MediaStorageSOPInstanceUID, DicomVR.UI, sopInstance);
        meta.AddOrUpdate(WellKnownTags.TransferSyntaxUID, DicomVR.UI, ts.Uid);
        meta.AddOrUpdate(WellKnownTags.ImplementationClassUID, DicomVR.UI, ImplementationClassUid);
        meta.AddOrUpdate(WellKnownTags.ImplementationVersionName, DicomVR.SH, ImplementationVersionName);
        // Keep who sent it and private meta information (0002,0016-0018, 0002,0100, 0002,0102).
        if (keepFrom is not null)
            foreach (var item in keepFrom)
                if (item.Tag.Element >= 0x0016 && !meta.Contains(item.Tag))
                    meta.AddOrUpdate(item);
        var groupLength = (uint)DicomDatasetWriter.DatasetLength(meta, DicomEncodingRules.ExplicitLittle, isMeta: true);
        meta.AddOrUpdate<uint>(WellKnownTags.FileMetaInformationGroupLength, DicomVR.UL, groupLength);
        return meta;
    }

    /// <summary>
    /// Writes the 128-byte zero preamble, "DICM" and a meta group for a data set whose bytes the caller writes next,
    /// already encoded in <paramref name="transferSyntax"/> (deflated included): how a C-STORE SCP turns the
    /// stream it receives into a Part-10 file without parsing it.
    /// </summary>
    public static void WritePreambleAndMeta(Stream output, string sopClassUid, string sopInstanceUid, DicomTransferSyntax transferSyntax, string? sourceApplicationEntityTitle = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        DicomDataset? extra = null;
        if (!string.IsNullOrEmpty(sourceApplicationEntityTitle))
        {
            extra = new DicomDataset();
            extra.AddOrUpdate(WellKnownTags.SourceApplicationEntityTitle, DicomVR.AE, sourceApplicationEntityTitle);
        }
        var meta = BuildMeta(sopClassUid, sopInstanceUid, transferSyntax, extra);
        Span<byte> head = stackalloc byte[132];
        head.Clear();
        "DICM"u8.CopyTo(head[128..]);
        output.Write(head);
        new DicomDatasetWriter(output).WriteDataset(meta, DicomEncodingRules.ExplicitLittle, isMeta: true);
    }

    public override string ToString() => $"DicomFile {TransferSyntax.Name}, {Dataset.Count} elements";
}

public enum DicomFileLayout
{
    /// <summary>128-byte preamble, "DICM", meta information, data set.</summary>
    Part10,

    /// <summary>Meta information without preamble.</summary>
    MetaWithoutPreamble,

    /// <summary>A bare data set, transfer syntax detected.</summary>
    DatasetOnly,
}

/// <summary>Fails the read once more than <c>cap</c> bytes have come out of the inner stream.</summary>
internal sealed class CappedStream(Stream inner, long cap) : Stream
{
    private long _read;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer)
    {
        int n;
        try { n = inner.Read(buffer); }
        catch (InvalidDataException e) { throw new DicomFormatException("The deflated data set is corrupt: " + e.Message, _read, null, e); }
        _read += n;
        if (_read > cap) throw new DicomFormatException($"The deflated data set inflates beyond the cap of {cap} bytes", _read);
        return n;
    }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
