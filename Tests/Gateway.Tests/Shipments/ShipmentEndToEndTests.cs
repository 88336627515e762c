using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using DicomGateway.Crypto;
using DicomKit.Data;
using DicomKit.IO;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Shipments;

/// <summary>
/// The product as a recipient and an operator meet it: storescu sends a study to the real gateway, the study is
/// sealed, the e-mail (written to the mail outbox) carries the link and the SMS (in the SMS outbox) the code, and
/// with only those two the test opens and decrypts every instance over HTTP.
/// </summary>
public sealed class ShipmentEndToEndTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-e2e-");

    public void Dispose() => _dir.Dispose();

    private Outboxes Outboxes => new(_dir.Path);

    internal Dictionary<string, string> Environment(int stableSeconds = 1) => Outboxes.Environment(stableSeconds);

    [Fact]
    public async Task A_study_sent_with_storescu_opens_with_only_the_link_and_the_code_and_the_server_alone_cannot_read_it()
    {
        await using var gw = await GatewayProcess.StartAsync(Environment());
        var files = Enumerable.Range(1, 12).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);

        var (link, code) = await WaitForNotificationAsync();
        using var recipient = new RecipientClient(gw.WebBase, link, code);
        var unlocked = await recipient.UnlockAsync();
        unlocked.Status.Should().Be(HttpStatusCode.OK, unlocked.Body.ToString());

        var manifest = await recipient.ManifestAsync();
        manifest.InstanceCount.Should().Be(12);
        manifest.Patient.Name.Should().Be("Dvořák^Antonín");
        var entries = manifest.Series.SelectMany(s => s.Instances).ToList();
        entries.Should().HaveCount(12);
        var sentBySop = files.Select(f => DicomFile.Open(f)).ToDictionary(f => f.Dataset.GetString(Tags.SOPInstanceUID)!);
        foreach (var entry in entries)
        {
            var plaintext = await recipient.DecryptBlobAsync(entry.Ordinal);
            plaintext.LongLength.Should().Be(entry.PlaintextLength);
            var got = DicomFile.Open(new MemoryStream(plaintext));
            var sent = sentBySop[entry.SopInstanceUid];
            DatasetComparer.Differences(sent.Dataset, got.Dataset).Should().BeEmpty();
            got.FileMetaInformation.GetString(new DicomTag(0x0002, 0x0016)).Should().Be("STORESCU");
        }

        // Everything the server keeps, and nothing of E, T, S or the patient in it.
        RecipientLink.TryParse(link, out var parsed).Should().BeTrue();
        var e = parsed!.FragmentKey;
        var needles = new Dictionary<string, byte[]>
        {
            ["E"] = e,
            ["E (base64url)"] = Encoding.ASCII.GetBytes(System.Buffers.Text.Base64Url.EncodeToString(e)),
            ["T"] = parsed.Token,
            ["T (base64url)"] = Encoding.ASCII.GetBytes(System.Buffers.Text.Base64Url.EncodeToString(parsed.Token)),
            ["S"] = Encoding.ASCII.GetBytes(ShipmentKeys.NormalizeCode(code)!),
            ["patient name"] = Encoding.UTF8.GetBytes("Dvořák"),
            ["patient ID"] = Encoding.ASCII.GetBytes("PAT-001"),
            ["Study Instance UID"] = Encoding.ASCII.GetBytes(Instances.StudyUid),
        };
        foreach (var file in Directory.EnumerateFiles(gw.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var (name, needle) in needles)
                bytes.AsSpan().IndexOf(needle).Should().Be(-1, $"{name} must not be stored in {Path.GetRelativePath(gw.DataDirectory, file)}");
        }

        // With the database, the key share, the wrapped key, the code and the gateway key, but a wrong E: nothing opens.
        await using var db = new SqliteConnection($"Data Source={gw.DatabasePath};Mode=ReadOnly;Pooling=False");
        var stored = await db.QuerySingleAsync<(byte[] Share, byte[] Wrapped)>("SELECT server_share, wrapped_key FROM recipients");
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM studies WHERE wrapped_key IS NOT NULL")).Should().Be(0, "sealing deletes the gateway's copy of the data key");
        using var keyring = new GatewayKeyring(await File.ReadAllBytesAsync(gw.KeyFile));
        var share = keyring.Unprotect(CryptoPurposes.Protect.ServerShare, stored.Share);
        var guess = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var open = () => ShipmentKeys.UnwrapDataKey(stored.Wrapped, guess, ShipmentKeys.NormalizeCode(code)!, parsed.Token, share);
        open.Should().Throw<ShipmentIntegrityException>();
    }

    [Fact]
    public async Task Wrong_codes_are_counted_the_recipient_locks_at_the_limit_and_stays_locked_after_a_restart()
    {
        var data = Path.Combine(_dir.Path, "data");
        var env = Environment();
        env["Shipments__MaxCodeAttempts"] = "3";
        string link, code;
        await using (var gw = await GatewayProcess.StartAsync(env, dataDirectory: data))
        {
            var files = Enumerable.Range(1, 2).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
            (await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout)).ExitCode.Should().Be(0);
            (link, code) = await WaitForNotificationAsync();
            using var recipient = new RecipientClient(gw.WebBase, link, code);
            var wrong = code[0] == 'A' ? "BBBB-BBBB" : "AAAA-AAAA";
            var first = await recipient.UnlockAsync(wrong);
            first.Status.Should().Be(HttpStatusCode.Forbidden);
            first.Body.GetProperty("attemptsLeft").GetInt32().Should().Be(2);
            (await recipient.UnlockAsync(wrong)).Body.GetProperty("attemptsLeft").GetInt32().Should().Be(1);
            (await recipient.UnlockAsync(wrong)).Body.GetProperty("attemptsLeft").GetInt32().Should().Be(0);
            var locked = await recipient.UnlockAsync();
            locked.Status.Should().Be(HttpStatusCode.NotFound, "a locked recipient does not open the shipment even with the right code");
            locked.Body.GetProperty("error").GetString().Should().Be("unavailable");
        }
        await using (var again = await GatewayProcess.StartAsync(env, dataDirectory: data))
        {
            using var recipient = new RecipientClient(again.WebBase, link, code);
            (await recipient.UnlockAsync()).Status.Should().Be(HttpStatusCode.NotFound, "the lock is in the database");
            // An unknown link looks exactly like a locked one.
            var unknown = RecipientLinks.WithUnknownToken(link);
            using var stranger = new RecipientClient(again.WebBase, unknown, code);
            var answer = await stranger.UnlockAsync();
            answer.Status.Should().Be(HttpStatusCode.NotFound);
            answer.Body.ToString().Should().Be(JsonSerializer.Serialize(new { error = "unavailable" }));
        }
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task A_resent_instance_is_stored_once_and_one_with_the_same_UID_but_other_content_is_refused_and_audited()
    {
        await using var gw = await GatewayProcess.StartAsync(Environment(stableSeconds: 3600));
        var port = gw.Port.ToString(CultureInfo.InvariantCulture);
        var file = Instances.WriteCt(_dir.Path, 1);
        (await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", port, file], ExternalTool.LongTimeout)).ExitCode.Should().Be(0);
        (await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", port, file], ExternalTool.LongTimeout)).ExitCode.Should().Be(0, "the same content again is acknowledged");

        var changed = Path.Combine(_dir.Path, "changed.dcm");
        var ds = DicomFile.Open(file);
        ds.Dataset.AddOrUpdate(Tags.StudyDescription, DicomVR.LO, "something else");
        ds.Save(changed);
        var conflict = await ExternalTool.RunAsync("storescu", ["-v", "-aec", "DICOMGATEWAY", "127.0.0.1", port, changed], ExternalTool.LongTimeout);
        conflict.Output.Should().Contain("Status: 0x111", "other content under a stored SOP Instance UID is refused with 0x0111 (duplicate SOP instance)");

        await using var db = new SqliteConnection($"Data Source={gw.DatabasePath};Mode=ReadOnly;Pooling=False");
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM instances")).Should().Be(1);
        Directory.GetFiles(gw.BlobDirectory).Should().HaveCount(1);
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_events WHERE event_id = '110113' AND actor_kind = 'node'")).Should().Be(1, "one security alert for the conflicting content (the seeding of rules is audited as a configuration change too)");
    }

    internal Task<(string Link, string Code)> WaitForNotificationAsync(int count = 1) => Outboxes.WaitForNotificationAsync(count);
}
