using DicomKit.IO;

namespace Gateway.Tests.Browser;

/// <summary>
/// One single-image study per transfer syntax the viewer must decode. The uncompressed and DCMTK-compressed ones are
/// a phantom slice (each variant under its own UIDs, so each is its own study and shipment); DCMTK 3.6.7 cannot
/// write JPEG 2000, so those two are pydicom's test files, sent as they are.
/// </summary>
public static class CompressedStudies
{
    /// <summary>Where Debian's python3-pydicom keeps its test files (installed by test.sh).</summary>
    public const string PydicomTestFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

    /// <summary>
    /// A study to send and the storescu switch that proposes its transfer syntax on its own presentation context (with
    /// <c>-R</c>): storescu otherwise proposes only uncompressed syntaxes, the gateway takes Explicit VR Little
    /// Endian, and storescu, which cannot decompress, fails. DCMTK's storescu has no switch for JPEG Lossless
    /// Process 14 (.57), so that syntax is left out here.
    /// </summary>
    public sealed record Variant(string Name, string TransferSyntaxUid, string Propose);

    public static readonly Variant ExplicitLittle = new("explicit-le", DicomTransferSyntax.ExplicitVRLittleEndian.Uid, "-xe");
    public static readonly Variant ImplicitLittle = new("implicit-le", DicomTransferSyntax.ImplicitVRLittleEndian.Uid, "-xi");
    public static readonly Variant Rle = new("rle", "1.2.840.10008.1.2.5", "-xr");
    public static readonly Variant JpegLosslessSv1 = new("jpeg-lossless-sv1", DicomTransferSyntax.JPEGLosslessSV1.Uid, "-xs");
    public static readonly Variant JpegBaseline = new("jpeg-baseline", DicomTransferSyntax.JPEGBaseline8Bit.Uid, "-xy");
    public static readonly Variant JpegLs = new("jpeg-ls-lossless", DicomTransferSyntax.JPEGLSLossless.Uid, "-xt");
    public static readonly Variant Jpeg2000Lossless = new("jpeg2000-lossless", DicomTransferSyntax.JPEG2000Lossless.Uid, "-xv");
    public static readonly Variant Jpeg2000 = new("jpeg2000", DicomTransferSyntax.JPEG2000.Uid, "-xw");

    /// <summary>The storescu switches that send <paramref name="variant"/> in its own transfer syntax.</summary>
    public static string[] StorescuOptions(Variant variant) => ["-R", variant.Propose];

    public static IReadOnlyList<Variant> All { get; } =
        [ExplicitLittle, ImplicitLittle, Rle, JpegLosslessSv1, JpegBaseline, JpegLs, Jpeg2000Lossless, Jpeg2000];

    public static Variant Named(string name) => All.Single(v => v.Name == name);

    /// <summary>Writes the study of <paramref name="variant"/> into <paramref name="directory"/> and returns its one file.</summary>
    public static async Task<string> WriteAsync(Variant variant, string directory)
    {
        Directory.CreateDirectory(directory);
        var uids = new Phantom.Uids("1.2.826.0.1.3680043.10.1234.78." + (All.ToList().IndexOf(variant) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var output = Path.Combine(directory, variant.Name + ".dcm");
        switch (variant.Name)
        {
            case "explicit-le":
                return Phantom.Write(Path.Combine(directory, variant.Name), slices: 1, uids)[0];
            case "implicit-le":
                await RunAsync("dcmconv", "+ti", Slice(), output);
                break;
            case "rle":
                await RunAsync("dcmcrle", Slice(), output);
                break;
            case "jpeg-lossless-sv1":
                await RunAsync("dcmcjpeg", "+e1", Slice(), output);
                break;
            case "jpeg-baseline":
                await RunAsync("dcmcjpeg", "+eb", Phantom.WriteEightBit(Path.Combine(directory, variant.Name), 0, uids), output);
                break;
            case "jpeg-ls-lossless":
                await RunAsync("dcmcjpls", Slice(), output);
                break;
            case "jpeg2000-lossless":
                File.Copy(Path.Combine(PydicomTestFiles, "MR_small_jp2klossless.dcm"), output, overwrite: true);
                break;
            case "jpeg2000":
                File.Copy(Path.Combine(PydicomTestFiles, "693_J2KI.dcm"), output, overwrite: true);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(variant), variant.Name, "no such variant");
        }
        return output;

        string Slice() => Phantom.Write(Path.Combine(directory, variant.Name), slices: 1, uids)[0];
    }

    private static async Task RunAsync(string tool, params string[] args) =>
        (await ExternalTool.RunAsync(tool, args, ExternalTool.LongTimeout)).ThrowIfFailed();
}
