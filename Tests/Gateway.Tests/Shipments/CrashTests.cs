using System.Globalization;
using Dapper;
using DicomGateway.Crypto;
using DicomKit.Data;
using DicomKit.IO;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Shipments;

/// <summary>
/// The promise behind every success status: the gateway is SIGKILLed at random moments while storescu sends 300
/// instances, ten times over one data directory. After each restart every instance that storescu saw acknowledged
/// is indexed, its blob exists and decrypts to that instance, and index and blobs agree exactly.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-crash-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Every_acknowledged_instance_survives_ten_kills_and_the_index_matches_the_blobs()
    {
        var sources = Path.Combine(_dir.Path, "sources");
        Directory.CreateDirectory(sources);
        var files = Enumerable.Range(1, 300).Select(i => Instances.WriteCt(sources, i)).ToList();
        var data = Path.Combine(_dir.Path, "data");
        var env = new Dictionary<string, string> { ["Shipments__StableStudySeconds"] = "86400" };
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        var random = new Random(20261125);
        var port = LoopbackPort.Free();

        for (var round = 0; round < 10; round++)
        {
            await using (var gw = await GatewayProcess.StartAsync(env, dataDirectory: data, port: port))
            {
                var send = ExternalTool.RunAsync("storescu", ["-v", "-aec", "DICOMGATEWAY", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
                await Task.WhenAny(send, Task.Delay(random.Next(200, 2500)));
                await gw.KillAsync();
                var result = await send;
                string? current = null;
                foreach (var line in result.Output.Split('\n'))
                {
                    if (line.StartsWith("I: Sending file: ", StringComparison.Ordinal)) current = line["I: Sending file: ".Length..].Trim();
                    else if (line.Contains("Received Store Response (Success)", StringComparison.Ordinal) && current is not null) acknowledged.Add(current);
                }
            }
            // Restart (the repair runs at start), then check while it is up.
            await using (var check = await GatewayProcess.StartAsync(env, dataDirectory: data, port: port))
            {
                await VerifyAsync(data, acknowledged);
            }
        }
        acknowledged.Should().NotBeEmpty("some stores completed between kills");
    }

    private static async Task VerifyAsync(string data, IReadOnlySet<string> acknowledged)
    {
        using var keyring = new GatewayKeyring(File.ReadAllBytes(GatewayProcess.KeyFileFor(data)));
        await using var db = new SqliteConnection($"Data Source={Path.Combine(data, "gateway.db")};Mode=ReadOnly;Pooling=False");
        var rows = (await db.QueryAsync<(byte[] InstanceKey, string Blob, long Ordinal, byte[] WrappedKey)>(
            "SELECT i.instance_key, i.blob, i.ordinal, s.wrapped_key FROM instances i JOIN studies s ON s.id = i.study_id")).ToList();
        var blobDir = Path.Combine(data, "blobs");
        var onDisk = Directory.GetFiles(blobDir).Select(Path.GetFileName).ToHashSet();
        onDisk.Should().BeEquivalentTo(rows.Select(r => r.Blob), "the index and the blob directory agree exactly (no partial, orphan or missing blob)");

        var byKey = rows.ToDictionary(r => Convert.ToHexString(r.InstanceKey));
        foreach (var path in acknowledged)
        {
            var uid = DicomFile.Open(path).Dataset.GetString(Tags.SOPInstanceUID)!;
            byKey.TryGetValue(Convert.ToHexString(keyring.KeyedHash(CryptoPurposes.Hash.SopInstanceUid, uid)), out var row).Should().BeTrue($"{Path.GetFileName(path)} was acknowledged");
            var dataKey = keyring.Unprotect(CryptoPurposes.Protect.StudyDataKey, row.WrappedKey);
            await using var cipher = File.OpenRead(Path.Combine(blobDir, row.Blob));
            using var plain = new MemoryStream();
            await SegmentedBlob.DecryptAsync(cipher, plain, dataKey, (uint)row.Ordinal, CancellationToken.None);
            plain.Position = 0;
            DicomFile.Open(plain).Dataset.GetString(Tags.SOPInstanceUID).Should().Be(uid);
        }
    }
}
