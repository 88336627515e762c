using DicomKit.Data;

namespace DicomKit.IO;

/// <summary>Limits and policies of the reader. The defaults suit untrusted files from the network.</summary>
public sealed record DicomReadOptions
{
    public static DicomReadOptions Default { get; } = new();

    /// <summary>
    /// Values longer than this are not read into memory: they stay a byte range of the source file, or are spilled
    /// encrypted (<see cref="EncryptedSpillValueSource"/>) when the source cannot be revisited (deflated data,
    /// non-seekable streams), unless <see cref="SkipLargeBulkData"/> drops them.
    /// </summary>
    public int LargeValueThreshold { get; init; } = 64 * 1024;

    /// <summary>
    /// Where values are spilled when the source cannot be revisited: a directory made (or checked to be) mode 0700.
    /// Null means <see cref="Data.SpillDirectory.Default"/>, a per-user directory under the temporary directory.
    /// </summary>
    public string? SpillDirectory { get; init; }

    /// <summary>
    /// For readers that want the header only: a bulk value (OB, OD, OF, OL, OV, OW, and encapsulated fragments)
    /// longer than <see cref="LargeValueThreshold"/> that would have to be spilled is read past instead, and its
    /// element keeps its VR and length with a <see cref="SkippedValueSource"/>. Nothing of it is kept anywhere;
    /// text and UN values are still spilled, since they may be matched as text.
    /// </summary>
    public bool SkipLargeBulkData { get; init; }

    /// <summary>When set, top-level reading stops at the first element whose tag is at or after this one (header-only reads).</summary>
    public DicomTag? StopAtTag { get; init; }

    /// <summary>Sequences nested deeper than this fail the read: no real IOD comes close, and unbounded nesting is an attack.</summary>
    public int MaxSequenceDepth { get; init; } = 128;

    /// <summary>A deflated data set that inflates beyond this many bytes fails the read (a zip bomb guard).</summary>
    public long MaxInflatedBytes { get; init; } = 2L * 1024 * 1024 * 1024;
}
