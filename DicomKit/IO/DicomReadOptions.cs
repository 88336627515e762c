using DicomKit.Data;

namespace DicomKit.IO;

/// <summary>Limits and policies of the reader. The defaults suit untrusted files from the network.</summary>
public sealed record DicomReadOptions
{
    public static DicomReadOptions Default { get; } = new();

    /// <summary>
    /// Values longer than this are not read into memory: they stay a byte range of the source file, or are spilled
    /// to a temporary file when the source cannot be revisited (deflated data, non-seekable streams).
    /// </summary>
    public int LargeValueThreshold { get; init; } = 64 * 1024;

    /// <summary>When set, top-level reading stops at the first element whose tag is at or after this one (header-only reads).</summary>
    public DicomTag? StopAtTag { get; init; }

    /// <summary>Sequences nested deeper than this fail the read: no real IOD comes close, and unbounded nesting is an attack.</summary>
    public int MaxSequenceDepth { get; init; } = 128;

    /// <summary>A deflated data set that inflates beyond this many bytes fails the read (a zip bomb guard).</summary>
    public long MaxInflatedBytes { get; init; } = 2L * 1024 * 1024 * 1024;
}
