using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using DicomKit.Data;
using DicomKit.IO;

namespace Gateway.Tests.Ingest;

/// <summary>
/// Transfer syntaxes as sent: storescu proposes JPEG Lossless together with the uncompressed syntaxes in one
/// presentation context, the gateway accepts JPEG Lossless, and the recipient receives the very bytes the modality
/// encoded.
/// </summary>
public sealed class CompressedIngestTests : IDisposable
{
    private const string JpegLosslessSv1 = "1.2.840.10008.1.2.4.70";
    private readonly TempDirectory _dir = new("gw-jpeg-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_JPEG_Lossless_study_offered_with_Explicit_VR_LE_is_stored_and_shipped_compressed_byte_for_byte()
    {
        var outboxes = new Outboxes(_dir.Path);
        await using var gw = await GatewayProcess.StartAsync(outboxes.Environment(stableSeconds: 1));
        var source = Directory.CreateDirectory(Path.Combine(_dir.Path, "source")).FullName;
        var jpeg = Directory.CreateDirectory(Path.Combine(_dir.Path, "jpeg")).FullName;
        var files = new List<string>();
        foreach (var i in Enumerable.Range(1, 4))
        {
            var plain = Instances.WriteCt(source, i);
            var compressed = Path.Combine(jpeg, Path.GetFileName(plain));
            var encode = await ExternalTool.RunAsync("dcmcjpeg", [plain, compressed], ExternalTool.LongTimeout);
            encode.ExitCode.Should().Be(0, encode.Output);
            TransferSyntaxOf(await File.ReadAllBytesAsync(compressed)).Should().Be(JpegLosslessSv1, "dcmcjpeg encodes JPEG Lossless SV1 by default");
            files.Add(compressed);
        }

        // -xs proposes JPEG Lossless and every uncompressed syntax; +C puts them in one presentation context, so the
        // gateway's preference decides (without it storescu would decompress to Explicit VR LE).
        var store = await ExternalTool.RunAsync("storescu",
            ["-v", "-xs", "+C", "-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);

        var (link, code) = await outboxes.WaitForNotificationAsync();
        using var recipient = new RecipientClient(gw.WebBase, link, code);
        (await recipient.UnlockAsync()).Status.Should().Be(HttpStatusCode.OK);
        var manifest = await recipient.ManifestAsync();
        var entries = manifest.Series.SelectMany(s => s.Instances).ToList();
        entries.Should().HaveCount(files.Count);
        var sentBySop = files.ToDictionary(f => DicomFile.Open(f).Dataset.GetString(Tags.SOPInstanceUID)!, File.ReadAllBytes);
        foreach (var entry in entries)
        {
            var received = await recipient.DecryptBlobAsync(entry.Ordinal);
            var sent = sentBySop[entry.SopInstanceUid];
            TransferSyntaxOf(received).Should().Be(JpegLosslessSv1);
            DataSet(received).SequenceEqual(DataSet(sent)).Should().BeTrue("the data set is stored and shipped exactly as the modality encoded it");
        }
    }

    /// <summary>The bytes of a Part-10 file after its meta information (whose length (0002,0000) gives).</summary>
    private static ReadOnlySpan<byte> DataSet(byte[] part10) => part10.AsSpan(MetaEnd(part10));

    private static int MetaEnd(byte[] part10)
    {
        // Preamble (128) and "DICM" (4), then (0002,0000) UL: tag 4, VR 2, length 2, value 4.
        part10.AsSpan(128, 4).SequenceEqual("DICM"u8).Should().BeTrue();
        BinaryPrimitives.ReadUInt16LittleEndian(part10.AsSpan(132)).Should().Be(0x0002);
        BinaryPrimitives.ReadUInt16LittleEndian(part10.AsSpan(134)).Should().Be(0x0000);
        return 132 + 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(part10.AsSpan(140));
    }

    private static string? TransferSyntaxOf(byte[] part10) =>
        DicomFile.Open(new MemoryStream(part10)).FileMetaInformation.GetString(new DicomTag(0x0002, 0x0010));
}
