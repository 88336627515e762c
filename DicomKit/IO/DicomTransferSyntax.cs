namespace DicomKit.IO;

/// <summary>
/// A transfer syntax (PS3.5 10 and Annex A): how a data set is encoded. Only the encoding facts live
/// here; the names and the registry of UIDs come from the generated UID list.
/// </summary>
public sealed record DicomTransferSyntax(string Uid, string Name, bool IsExplicitVR, bool IsBigEndian, bool IsDeflated, bool IsEncapsulated, bool IsLossy = false)
{
    public static readonly DicomTransferSyntax ImplicitVRLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false);
    public static readonly DicomTransferSyntax ExplicitVRLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, false);
    public static readonly DicomTransferSyntax EncapsulatedUncompressedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", true, false, false, true);
    public static readonly DicomTransferSyntax DeflatedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, false);
    public static readonly DicomTransferSyntax ExplicitVRBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian (Retired)", true, true, false, false);
    public static readonly DicomTransferSyntax JPEGBaseline8Bit = new("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGExtended12Bit = new("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGLossless = new("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", true, false, false, true);
    public static readonly DicomTransferSyntax JPEGLosslessSV1 = new("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", true, false, false, true);
    public static readonly DicomTransferSyntax JPEGLSLossless = new("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", true, false, false, true);
    public static readonly DicomTransferSyntax JPEGLSNearLossless = new("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEG2000Lossless = new("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", true, false, false, true);
    public static readonly DicomTransferSyntax JPEG2000 = new("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEG2000MCLossless = new("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", true, false, false, true);
    public static readonly DicomTransferSyntax JPEG2000MC = new("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPIPReferenced = new("1.2.840.10008.1.2.4.94", "JPIP Referenced", true, false, false, false);
    public static readonly DicomTransferSyntax JPIPReferencedDeflate = new("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate", true, false, true, false);
    public static readonly DicomTransferSyntax MPEG2MPML = new("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG2MPMLF = new("1.2.840.10008.1.2.4.100.1", "Fragmentable MPEG2 Main Profile / Main Level", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG2MPHL = new("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG2MPHLF = new("1.2.840.10008.1.2.4.101.1", "Fragmentable MPEG2 Main Profile / High Level", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG4HP41 = new("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG4HP41F = new("1.2.840.10008.1.2.4.102.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG4HP41BD = new("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG4HP41BDF = new("1.2.840.10008.1.2.4.103.1", "Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG4HP422D = new("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG4HP422DF = new("1.2.840.10008.1.2.4.104.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG4HP423D = new("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG4HP423DF = new("1.2.840.10008.1.2.4.105.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG4HP42STEREO = new("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", true, false, false, true, true);
    public static readonly DicomTransferSyntax MPEG4HP42STEREOF = new("1.2.840.10008.1.2.4.106.1", "Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", true, false, false, true, true);
    public static readonly DicomTransferSyntax HEVCMP51 = new("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", true, false, false, true, true);
    public static readonly DicomTransferSyntax HEVCM10P51 = new("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGXLLossless = new("1.2.840.10008.1.2.4.110", "JPEG XL Lossless", true, false, false, true);
    public static readonly DicomTransferSyntax JPEGXLJPEGRecompression = new("1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression", true, false, false, true);
    public static readonly DicomTransferSyntax JPEGXL = new("1.2.840.10008.1.2.4.112", "JPEG XL", true, false, false, true, true);
    public static readonly DicomTransferSyntax HTJ2KLossless = new("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", true, false, false, true);
    public static readonly DicomTransferSyntax HTJ2KLosslessRPCL = new("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", true, false, false, true);
    public static readonly DicomTransferSyntax HTJ2K = new("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPIPHTJ2KReferenced = new("1.2.840.10008.1.2.4.204", "JPIP HTJ2K Referenced", true, false, false, false);
    public static readonly DicomTransferSyntax JPIPHTJ2KReferencedDeflate = new("1.2.840.10008.1.2.4.205", "JPIP HTJ2K Referenced Deflate", true, false, true, false);
    public static readonly DicomTransferSyntax RLELossless = new("1.2.840.10008.1.2.5", "RLE Lossless", true, false, false, true);
    public static readonly DicomTransferSyntax DeflatedImageFrameCompression = new("1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression", true, false, false, true);
    public static readonly DicomTransferSyntax SMPTEST211020UncompressedProgressiveActiveVideo = new("1.2.840.10008.1.2.7.1", "SMPTE ST 2110-20 Uncompressed Progressive Active Video", true, false, false, false);
    public static readonly DicomTransferSyntax SMPTEST211020UncompressedInterlacedActiveVideo = new("1.2.840.10008.1.2.7.2", "SMPTE ST 2110-20 Uncompressed Interlaced Active Video", true, false, false, false);
    public static readonly DicomTransferSyntax SMPTEST211030PCMDigitalAudio = new("1.2.840.10008.1.2.7.3", "SMPTE ST 2110-30 PCM Digital Audio", true, false, false, false);
    // Retired JPEG processes still found in archives.
    public static readonly DicomTransferSyntax JPEGExtended35 = new("1.2.840.10008.1.2.4.52", "JPEG Extended (Process 3 & 5) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGSpectralSelection68 = new("1.2.840.10008.1.2.4.53", "JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGSpectralSelection79 = new("1.2.840.10008.1.2.4.54", "JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGFullProgression1012 = new("1.2.840.10008.1.2.4.55", "JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGFullProgression1113 = new("1.2.840.10008.1.2.4.56", "JPEG Full Progression, Non-Hierarchical (Process 11 & 13) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGLossless15 = new("1.2.840.10008.1.2.4.58", "JPEG Lossless, Non-Hierarchical (Process 15) (Retired)", true, false, false, true);
    public static readonly DicomTransferSyntax JPEGExtendedHierarchical1618 = new("1.2.840.10008.1.2.4.59", "JPEG Extended, Hierarchical (Process 16 & 18) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGExtendedHierarchical1719 = new("1.2.840.10008.1.2.4.60", "JPEG Extended, Hierarchical (Process 17 & 19) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGSpectralSelectionHierarchical2022 = new("1.2.840.10008.1.2.4.61", "JPEG Spectral Selection, Hierarchical (Process 20 & 22) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGSpectralSelectionHierarchical2123 = new("1.2.840.10008.1.2.4.62", "JPEG Spectral Selection, Hierarchical (Process 21 & 23) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGFullProgressionHierarchical2426 = new("1.2.840.10008.1.2.4.63", "JPEG Full Progression, Hierarchical (Process 24 & 26) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGFullProgressionHierarchical2527 = new("1.2.840.10008.1.2.4.64", "JPEG Full Progression, Hierarchical (Process 25 & 27) (Retired)", true, false, false, true, true);
    public static readonly DicomTransferSyntax JPEGLosslessHierarchical28 = new("1.2.840.10008.1.2.4.65", "JPEG Lossless, Hierarchical (Process 28) (Retired)", true, false, false, true);
    public static readonly DicomTransferSyntax JPEGLosslessHierarchical29 = new("1.2.840.10008.1.2.4.66", "JPEG Lossless, Hierarchical (Process 29) (Retired)", true, false, false, true);
    public static readonly DicomTransferSyntax RFC2557MIMEEncapsulation = new("1.2.840.10008.1.2.6.1", "RFC 2557 MIME encapsulation (Retired)", true, false, false, false);
    public static readonly DicomTransferSyntax XMLEncoding = new("1.2.840.10008.1.2.6.2", "XML Encoding (Retired)", true, false, false, false);

    private static readonly Dictionary<string, DicomTransferSyntax> Known = typeof(DicomTransferSyntax)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DicomTransferSyntax))
        .Select(f => (DicomTransferSyntax)f.GetValue(null)!)
        .ToDictionary(t => t.Uid, StringComparer.Ordinal);

    /// <summary>Every transfer syntax this toolkit knows.</summary>
    public static IReadOnlyCollection<DicomTransferSyntax> All => Known.Values;

    /// <summary>True for the three native uncompressed syntaxes between which DicomKit can transcode.</summary>
    public bool IsUncompressedNative => Uid is "1.2.840.10008.1.2" or "1.2.840.10008.1.2.1" or "1.2.840.10008.1.2.2";

    /// <summary>
    /// The transfer syntax for a UID. An unknown UID is taken as an encapsulated Explicit VR Little Endian syntax:
    /// every syntax defined since 1993 is, so a newer codec's data can still be stored and forwarded untouched.
    /// </summary>
    public static DicomTransferSyntax FromUid(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        var u = uid.TrimEnd('\0', ' ');
        return Known.TryGetValue(u, out var ts) ? ts : new DicomTransferSyntax(u, "Unknown transfer syntax " + u, true, false, false, true);
    }

    public static bool IsKnown(string uid) => Known.ContainsKey(uid.TrimEnd('\0', ' '));

    public override string ToString() => Name;
}
