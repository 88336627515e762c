using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace DicomKit.Tests.Network.Support;

/// <summary>Small DICOM files made at test time with dump2dcm (and DCMTK's compressors), in a temp directory.</summary>
internal sealed class TestFiles : IDisposable
{
    public const string SecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";
    public const string ImplicitLE = "1.2.840.10008.1.2";
    public const string ExplicitLE = "1.2.840.10008.1.2.1";
    public const string ExplicitBE = "1.2.840.10008.1.2.2";
    public const string Deflated = "1.2.840.10008.1.2.1.99";
    public const string JpegBaseline = "1.2.840.10008.1.2.4.50";
    public const string JpegLossless = "1.2.840.10008.1.2.4.70";
    public const string Rle = "1.2.840.10008.1.2.5";
    public const string JpegLsLossless = "1.2.840.10008.1.2.4.80";

    private static int _counter;

    private readonly TempDirectory _temp = new("dicomkit-net-");

    public string Directory => _temp.Path;

    public string NewDirectory(string name) => _temp.Subdirectory(name);

    public static string NewUid() =>
        "2.25." + new System.Numerics.BigInteger(Guid.NewGuid().ToByteArray().Append((byte)0).ToArray()).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A secondary capture image of <paramref name="size"/> x <paramref name="size"/> 8-bit pixels, written in the
    /// uncompressed syntax named by the dump2dcm option (+te, +ti, +tb, +td).
    /// </summary>
    public async Task<(string Path, string SopInstanceUid)> CreateImageAsync(string dump2dcmSyntax = "+te", int size = 16, string? directory = null,
        string? studyUid = null)
    {
        var n = Interlocked.Increment(ref _counter);
        var uid = NewUid();
        var pixels = string.Join('\\', Enumerable.Range(0, size * size).Select(i => ((i * 7 + n) % 256).ToString("x2", CultureInfo.InvariantCulture)));
        var dump = new StringBuilder()
            .AppendLine($"(0008,0016) UI [{SecondaryCapture}]")
            .AppendLine($"(0008,0018) UI [{uid}]")
            .AppendLine("(0008,0060) CS [OT]")
            .AppendLine("(0010,0010) PN [Test^Network]")
            .AppendLine($"(0010,0020) LO [ID{n}]")
            .AppendLine($"(0020,000d) UI [{studyUid ?? NewUid()}]")
            .AppendLine($"(0020,000e) UI [{NewUid()}]")
            .AppendLine("(0028,0002) US 1")
            .AppendLine("(0028,0004) CS [MONOCHROME2]")
            .AppendLine($"(0028,0010) US {size}")
            .AppendLine($"(0028,0011) US {size}")
            .AppendLine("(0028,0100) US 8")
            .AppendLine("(0028,0101) US 8")
            .AppendLine("(0028,0102) US 7")
            .AppendLine("(0028,0103) US 0")
            .AppendLine($"(7fe0,0010) OB {pixels}")
            .ToString();
        var dir = directory ?? Directory;
        var dumpPath = Path.Combine(dir, $"img{n}.txt");
        var path = Path.Combine(dir, $"img{n}.dcm");
        await File.WriteAllTextAsync(dumpPath, dump);
        (await ExternalTool.RunAsync("dump2dcm", "+l", "4000000", dump2dcmSyntax, dumpPath, path)).ThrowIfFailed();
        if (!File.Exists(path))
            throw new InvalidOperationException("dump2dcm wrote no file");
        File.Delete(dumpPath);
        return (path, uid);
    }

    /// <summary>Compresses a file with a DCMTK tool (dcmcjpeg, dcmcrle, dcmcjpls) and extra options.</summary>
    public async Task<string> CompressAsync(string source, string tool, params string[] options)
    {
        var path = Path.Combine(Directory, Path.GetFileNameWithoutExtension(source) + "-" + tool + ".dcm");
        (await ExternalTool.RunAsync(tool, [.. options, source, path])).ThrowIfFailed();
        return path;
    }

    /// <summary>The transfer syntax UID in a Part-10 file's meta header.</summary>
    public static string TransferSyntaxOf(string path) => ReadMeta(File.ReadAllBytes(path)).TransferSyntax;

    /// <summary>The data set bytes of a Part-10 file: everything after the meta header.</summary>
    public static byte[] DataSetOf(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return bytes[ReadMeta(bytes).DataSetOffset..];
    }

    private static (int DataSetOffset, string TransferSyntax) ReadMeta(byte[] bytes)
    {
        if (Encoding.ASCII.GetString(bytes, 128, 4) != "DICM")
            throw new InvalidDataException("not a Part-10 file");
        var p = 132;
        var ts = "";
        while (p + 8 <= bytes.Length && BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(p)) == 0x0002)
        {
            var element = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(p + 2));
            var vr = Encoding.ASCII.GetString(bytes, p + 4, 2);
            int length, header;
            if (vr is "OB" or "OW" or "UN" or "SQ" or "UT" or "UC" or "UR")
            {
                length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(p + 8));
                header = 12;
            }
            else
            {
                length = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(p + 6));
                header = 8;
            }
            if (element == 0x0010)
                ts = Encoding.ASCII.GetString(bytes, p + header, length).TrimEnd('\0', ' ');
            p += header + length;
        }
        return (p, ts);
    }

    public void Dispose() => _temp.Dispose();
}
