using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using DicomGateway.Crypto;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Storage;

/// <summary>
/// A data directory on a file system that really runs out of space (a tmpfs of a few megabytes, nearly full): what
/// does not fit is answered Out of Resources, every instance answered with success survives and decrypts, no partial
/// file remains, and storing resumes by itself when space returns.
/// </summary>
public sealed partial class FullDiskTests
{
    private const ushort Side = 512; // 512 KiB of pixel data per instance

    /// <param name="minimumFree">Storage:MinimumFreeBytes: 0 lets the file system itself say ENOSPC (writing a blob, or
    /// growing the database); 6 MiB refuses before it is full.</param>
    /// <param name="leaveFree">What the filler leaves free before the study is sent.</param>
    [Theory]
    [InlineData(0, 4 << 20)]
    [InlineData(6 << 20, 10 << 20)]
    public async Task A_full_disk_answers_A700_for_what_does_not_fit_and_loses_nothing_answered_with_success(long minimumFree, long leaveFree)
    {
        using var fs = await SmallFileSystem.MountAsync(24 << 20);
        using var source = new TempDirectory("gw-src-");
        var files = Enumerable.Range(1, 16).Select(i => Instances.Write(source.Path, i, side: Side)).ToList();
        var data = Path.Combine(fs.Path, "data");
        string[] settings = ["--Storage:MinimumFreeBytes", minimumFree.ToString(CultureInfo.InvariantCulture)];

        string filler;
        ToolResult store;
        await using (var gw = await GatewayProcess.StartAsync(args: settings, dataDirectory: data))
        {
            filler = fs.Fill(leaveFree);
            store = await ExternalTool.RunAsync("storescu", ["-v", "-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files],
                ExternalTool.LongTimeout);
            // storescu stops at its first unsuccessful store: every instance before it was answered Success, and the
            // one that did not fit Out of Resources (DCMTK prints A700 as "Refused: OutOfResources").
            var answers = Answers(store.Output);
            answers.Values.SkipLast(1).Should().NotBeEmpty().And.OnlyContain(a => a == "Success", store.Output);
            answers.Values.Last().Should().Be("Refused: OutOfResources", store.Output);
            PartialFiles(data).Should().BeEmpty("a refused instance leaves nothing behind");

            // Space returns: the gateway stores again without a restart.
            File.Delete(filler);
            var refused = files.Where(f => answers.GetValueOrDefault(f) != "Success").ToList();
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the free-space reading is cached for a second
            var again = await ExternalTool.RunAsync("storescu", ["-v", "-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. refused],
                ExternalTool.LongTimeout);
            Answers(again.Output).Should().HaveCount(refused.Count, again.Output).And.OnlyContain(a => a.Value == "Success", again.Output);
            (await gw.TerminateAsync()).Should().Be(0, gw.Output);
        }

        // Restarted on the same data: it starts, and every instance ever answered with success is there and decrypts.
        await using (var gw = await GatewayProcess.StartAsync(args: settings, dataDirectory: data))
            (await gw.TerminateAsync()).Should().Be(0, gw.Output);

        await using (var db = new SqliteConnection($"Data Source={Path.Combine(data, "gateway.db")};Mode=ReadOnly;Pooling=False"))
            (await db.ExecuteScalarAsync<string>("PRAGMA integrity_check")).Should().Be("ok", "a write refused for lack of space is rolled back, not half done");
        var stored = await DecryptAllAsync(data, GatewayProcess.KeyFileFor(data));
        stored.Should().BeEquivalentTo(files.Select(f => DicomKit.IO.DicomFile.Open(f).Dataset.GetString(DicomKit.Data.Tags.SOPInstanceUID)));
        PartialFiles(data).Should().BeEmpty();
        Directory.GetFiles(Path.Combine(data, "blobs")).Should().HaveCount(files.Count, "every blob has its index row, and no row lacks its blob");
    }

    /// <summary>The status storescu reports for each file it sent, by file.</summary>
    private static Dictionary<string, string> Answers(string output)
    {
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in output.Split('\n'))
        {
            if (SendingFile().Match(line) is { Success: true } sending) current = sending.Groups[1].Value.Trim();
            else if (current is not null && StoreResponse().Match(line) is { Success: true } response)
            {
                answers[current] = response.Groups[1].Value;
                current = null;
            }
        }
        return answers;
    }

    private static List<string> PartialFiles(string data) =>
        [.. Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".part", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith(".ready-probe", StringComparison.Ordinal))];

    /// <summary>SOP Instance UIDs of every indexed instance, each read by decrypting its blob with the study's key.</summary>
    private static async Task<List<string>> DecryptAllAsync(string data, string keyFile)
    {
        using var keyring = new GatewayKeyring(await File.ReadAllBytesAsync(keyFile));
        await using var db = new SqliteConnection($"Data Source={Path.Combine(data, "gateway.db")};Mode=ReadOnly;Pooling=False");
        var rows = await db.QueryAsync<(byte[] WrappedKey, string Blob, long Ordinal)>(
            "SELECT s.wrapped_key, i.blob, i.ordinal FROM studies s JOIN instances i ON i.study_id = s.id");
        var uids = new List<string>();
        foreach (var (wrapped, blob, ordinal) in rows)
        {
            var dataKey = keyring.Unprotect(CryptoPurposes.Protect.StudyDataKey, wrapped);
            using var plaintext = new MemoryStream();
            await using (var ciphertext = File.OpenRead(Path.Combine(data, "blobs", blob)))
                await SegmentedBlob.DecryptAsync(ciphertext, plaintext, dataKey, (uint)ordinal, CancellationToken.None);
            plaintext.Position = 0;
            uids.Add(DicomKit.IO.DicomFile.Open(plaintext).Dataset.GetString(DicomKit.Data.Tags.SOPInstanceUID)!);
        }
        return uids;
    }

    [GeneratedRegex(@"Sending file: (.+)$")]
    private static partial Regex SendingFile();

    [GeneratedRegex(@"Received Store Response \((.+)\)")]
    private static partial Regex StoreResponse();
}
