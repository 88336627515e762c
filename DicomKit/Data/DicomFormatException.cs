using System.Globalization;

namespace DicomKit.Data;

/// <summary>
/// A DICOM stream that cannot be parsed. Carries the byte offset and, when known, the tag being read,
/// so that an administrator can find the fault with a hex dump instead of guessing.
/// </summary>
public sealed class DicomFormatException : Exception
{
    public DicomFormatException(string message, long offset, DicomTag? tag = null, Exception? inner = null)
        : base(Compose(message, offset, tag), inner)
    {
        Offset = offset;
        Tag = tag;
    }

    /// <summary>Byte offset in the file or stream where the fault was found.</summary>
    public long Offset { get; }

    /// <summary>The element being read when the fault was found, if any.</summary>
    public DicomTag? Tag { get; }

    private static string Compose(string message, long offset, DicomTag? tag) =>
        tag is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"{message} (tag {t}, offset {offset} / 0x{offset:X})")
            : string.Create(CultureInfo.InvariantCulture, $"{message} (offset {offset} / 0x{offset:X})");
}
