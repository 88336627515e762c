using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using DicomGateway.Crypto;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Shipments;

/// <summary>
/// The table "What each secret opens" of docs/shipment-format.md, one test per row: a study is sent with storescu to
/// the real gateway, sealed and announced, and the attacker is given exactly what the row says.
/// </summary>
public sealed class KeyCustodyTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-custody-");

    public void Dispose() => _dir.Dispose();

    private string Data => Path.Combine(_dir.Path, "data");

    /// <summary>The gateway key is kept where an installation keeps it: outside the data directory.</summary>
    private string KeyFile => Path.Combine(_dir.Path, "etc", "gateway.key");

    private Dictionary<string, string> Environment(string? outboxRoot = null)
    {
        var outboxes = new Outboxes(outboxRoot ?? _dir.Path);
        var env = outboxes.Environment();
        env["Shipments__SweepInterval"] = "00:00:00.500";
        return env;
    }

    /// <summary>Sends two CT slices, waits for the e-mail and the SMS, and stops the gateway cleanly.</summary>
    private async Task<(string Link, string Code, string Output)> ShipAsync(Dictionary<string, string>? env = null, string? outboxRoot = null)
    {
        await using var gw = await GatewayProcess.StartAsync(env ?? Environment(outboxRoot), dataDirectory: Data, keyFile: KeyFile);
        var files = Enumerable.Range(1, 2).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files],
            ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);
        var (link, code) = await new Outboxes(outboxRoot ?? _dir.Path).WaitForNotificationAsync();
        (await gw.TerminateAsync()).Should().Be(0);
        return (link, code, gw.Output);
    }

    private static RecipientLink Parse(string link)
    {
        RecipientLink.TryParse(link, out var parsed).Should().BeTrue();
        return parsed!;
    }

    private static async Task<(byte[] ProofHash, byte[] Share, byte[] Wrapped)> StoredSecretsAsync(string databasePath)
    {
        await using var db = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        return await db.QuerySingleAsync<(byte[], byte[], byte[])>("SELECT proof_hash, server_share, wrapped_key FROM recipients");
    }

    [Fact]
    public async Task The_database_alone_opens_nothing_even_with_the_link_and_the_code()
    {
        var (link, code, _) = await ShipAsync();
        var copy = Path.Combine(_dir.Path, "stolen.db");
        File.Copy(Path.Combine(Data, "gateway.db"), copy);
        File.Exists(Path.Combine(Data, "gateway.db-wal")).Should().BeFalse("a clean stop checkpoints the WAL into the database file");

        var parsed = Parse(link);
        var s = ShipmentKeys.NormalizeCode(code)!;
        var (proofHash, share, wrapped) = await StoredSecretsAsync(copy);
        var proof = ShipmentKeys.DeriveUnlockProof(parsed.FragmentKey, s, parsed.Token);
        proofHash.Should().NotEqual(SHA256.HashData(proof), "a plain hash of the proof would let the database check code guesses offline");
        ShipmentKeys.VerifyProof(proof, proofHash).Should().BeFalse();
        share.Length.Should().NotBe(ShipmentKeys.KeySize, "Ks is stored under the gateway key, not as its 32 bytes");
        var open = () => ShipmentKeys.UnwrapDataKey(wrapped, parsed.FragmentKey, s, parsed.Token, share.AsSpan(0, ShipmentKeys.KeySize));
        open.Should().Throw<ShipmentIntegrityException>("even E, S and T do not unwrap the data key with what the database stores");

        await using var db = new SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False");
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM studies WHERE wrapped_key IS NOT NULL")).Should().Be(0, "sealing drops the gateway's copy of the data key");
        var bytes = await File.ReadAllBytesAsync(copy);
        foreach (var (name, needle) in Needles(parsed, code))
            bytes.AsSpan().IndexOf(needle).Should().Be(-1, $"{name} must not be in the database");
    }

    [Fact]
    public async Task A_copied_data_directory_opens_nothing_without_the_gateway_key_and_everything_with_it()
    {
        var (link, code, _) = await ShipAsync();
        // Another machine's layout: the data directory copied elsewhere, the key not with it.
        var elsewhere = Path.Combine(_dir.Path, "elsewhere");
        CopyDirectory(Data, Path.Combine(elsewhere, "data"));
        var copiedData = Path.Combine(elsewhere, "data");
        var before = Snapshot(copiedData);

        var elsewhereKey = Path.Combine(elsewhere, "etc", "gateway.key");
        var refused = async () => { await using var _ = await GatewayProcess.StartAsync(Environment(), dataDirectory: copiedData, keyFile: elsewhereKey); };
        (await refused.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Shipments:GatewayKey");
        File.Exists(elsewhereKey).Should().BeFalse("a gateway that finds a key check in its database never makes a new key");

        var otherKey = Environment();
        otherKey["Shipments__GatewayKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var wrongKey = async () => { await using var _ = await GatewayProcess.StartAsync(otherKey, dataDirectory: copiedData, keyFile: elsewhereKey); };
        (await wrongKey.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Shipments:GatewayKey");
        Snapshot(copiedData).Should().Equal(before, "a refused start changes nothing in the data directory");

        // Offline, the copy with the link and the code still opens nothing: Ks is under the key.
        var parsed = Parse(link);
        var (_, share, wrapped) = await StoredSecretsAsync(Path.Combine(copiedData, "gateway.db"));
        var offline = () => ShipmentKeys.UnwrapDataKey(wrapped, parsed.FragmentKey, ShipmentKeys.NormalizeCode(code)!, parsed.Token, share.AsSpan(0, ShipmentKeys.KeySize));
        offline.Should().Throw<ShipmentIntegrityException>();

        // With the key brought back, the copy is the gateway again.
        Directory.CreateDirectory(Path.Combine(elsewhere, "etc"));
        File.Copy(KeyFile, elsewhereKey);
        await using var restored = await GatewayProcess.StartAsync(Environment(), dataDirectory: copiedData, keyFile: elsewhereKey);
        using var recipient = new RecipientClient(restored.WebBase, link, code);
        (await recipient.UnlockAsync()).Status.Should().Be(HttpStatusCode.OK);
        (await recipient.ManifestAsync()).InstanceCount.Should().Be(2);
    }

    [Fact]
    public async Task The_data_directory_with_the_gateway_key_opens_what_the_gateway_can_read_and_no_sent_shipment()
    {
        var (link, code, _) = await ShipAsync();
        // A second study that is still arriving (it is not quiet long enough to be sealed).
        var waiting = Environment();
        waiting["Shipments__StableStudySeconds"] = "3600";
        await using (var gw = await GatewayProcess.StartAsync(waiting, dataDirectory: Data, keyFile: KeyFile))
        {
            var other = Instances.Write(_dir.Path, 7, studyUid: "1.2.826.0.1.3680043.10.1234.2", patientName: "Smetana^Bedřich", patientId: "PAT-002");
            (await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), other], ExternalTool.LongTimeout))
                .ExitCode.Should().Be(0);
            (await gw.TerminateAsync()).Should().Be(0);
        }

        using var keyring = new GatewayKeyring(await File.ReadAllBytesAsync(KeyFile));
        await using var db = new SqliteConnection($"Data Source={Path.Combine(Data, "gateway.db")};Mode=ReadOnly;Pooling=False");

        // What the gateway can read, the key reads too: the study still arriving...
        var (wrappedStudyKey, blob, ordinal) = await db.QuerySingleAsync<(byte[], string, long)>(
            "SELECT s.wrapped_key, i.blob, i.ordinal FROM studies s JOIN instances i ON i.study_id = s.id WHERE s.wrapped_key IS NOT NULL");
        var dataKey = keyring.Unprotect(CryptoPurposes.Protect.StudyDataKey, wrappedStudyKey);
        using (var plaintext = new MemoryStream())
        {
            await using (var ciphertext = File.OpenRead(Path.Combine(Data, "blobs", blob)))
                await SegmentedBlob.DecryptAsync(ciphertext, plaintext, dataKey, (uint)ordinal, CancellationToken.None);
            plaintext.Position = 0;
            DicomKit.IO.DicomFile.Open(plaintext).Dataset.GetString(DicomKit.Data.Tags.PatientID).Should().Be("PAT-002");
        }
        // ...and the code kept for resending, and Ks.
        var (storedCode, storedShare, wrapped, verifier) = await db.QuerySingleAsync<(byte[], byte[], byte[], byte[])>(
            "SELECT code, server_share, wrapped_key, proof_hash FROM recipients");
        var s = Encoding.ASCII.GetString(keyring.Unprotect(CryptoPurposes.Protect.SmsCode, storedCode));
        s.Should().Be(ShipmentKeys.NormalizeCode(code));
        var share = keyring.Unprotect(CryptoPurposes.Protect.ServerShare, storedShare);

        // The shipment whose e-mail went out stays closed: E is stored nowhere, not even in the delivery queue.
        (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM deliveries WHERE payload IS NOT NULL")).Should().Be(0, "a sent message's content is erased");
        var parsed = Parse(link);
        var withoutE = () => ShipmentKeys.UnwrapDataKey(wrapped, RandomNumberGenerator.GetBytes(32), s, parsed.Token, share);
        withoutE.Should().Throw<ShipmentIntegrityException>();

        // With the recipient's e-mail as well, a guessed code can now be checked offline (the verifier needs only the
        // key), so the 40-bit code falls to a search; the true code stands for the search's end.
        var stored = new DicomGateway.Shipments.StoredRecipientSecrets(keyring, Microsoft.Extensions.Logging.Abstractions.NullLogger<DicomGateway.Shipments.StoredRecipientSecrets>.Instance);
        stored.VerifyProof(ShipmentKeys.DeriveUnlockProof(parsed.FragmentKey, s, parsed.Token), verifier).Should().BeTrue();
        ShipmentKeys.UnwrapDataKey(wrapped, parsed.FragmentKey, s, parsed.Token, share).Should().HaveCount(32);
    }

    [Fact]
    public async Task The_mailbox_alone_gets_five_guesses_and_then_nothing()
    {
        var (link, code, _) = await ShipAsync();
        await using var gw = await GatewayProcess.StartAsync(Environment(), dataDirectory: Data, keyFile: KeyFile);
        using var recipient = new RecipientClient(gw.WebBase, link, code);
        var wrong = code[0] == 'A' ? "BBBB-BBBB" : "AAAA-AAAA";
        for (var i = 0; i < 5; i++) (await recipient.UnlockAsync(wrong)).Status.Should().Be(HttpStatusCode.Forbidden);
        var locked = await recipient.UnlockAsync();
        locked.Status.Should().Be(HttpStatusCode.NotFound, "after five wrong guesses not even the right code opens");
    }

    [Fact]
    public async Task The_code_alone_finds_nothing()
    {
        var (link, code, _) = await ShipAsync();
        await using var gw = await GatewayProcess.StartAsync(Environment(), dataDirectory: Data, keyFile: KeyFile);
        // The right code with a made-up link: the server has no recipient for the token, and E is unknown.
        var parsed = Parse(link);
        var madeUp = RecipientLink.Format(parsed.BaseUrl, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
        using var stranger = new RecipientClient(gw.WebBase, madeUp, code);
        var answer = await stranger.UnlockAsync();
        answer.Status.Should().Be(HttpStatusCode.NotFound);
        answer.Body.GetProperty("error").GetString().Should().Be("unavailable");
    }

    [Fact]
    public async Task The_mailbox_and_the_code_open_the_shipment_until_it_expires()
    {
        // The outboxes inside the data directory, as the embedded defaults put them: their files must go at expiry too.
        var env = Environment(outboxRoot: Path.Combine(Data, "outbox"));
        var (link, code, shipOutput) = await ShipAsync(env, outboxRoot: Path.Combine(Data, "outbox"));
        var parsed = Parse(link);
        byte[] share, wrapped;
        string openOutput;
        await using (var gw = await GatewayProcess.StartAsync(env, dataDirectory: Data, keyFile: KeyFile))
        {
            using var recipient = new RecipientClient(gw.WebBase, link, code);
            var unlocked = await recipient.UnlockAsync();
            unlocked.Status.Should().Be(HttpStatusCode.OK);
            share = Base64Url.DecodeFromChars(unlocked.Body.GetProperty("serverShare").GetString());
            wrapped = Base64Url.DecodeFromChars(unlocked.Body.GetProperty("wrappedKey").GetString());
            (await recipient.ManifestAsync()).InstanceCount.Should().Be(2);
            (await gw.TerminateAsync()).Should().Be(0);
            openOutput = gw.Output;
        }
        var backup = Path.Combine(_dir.Path, "backup-before-expiry.db");
        File.Copy(Path.Combine(Data, "gateway.db"), backup);

        // Time passes: the shipment's expiry is moved into the past while the gateway is stopped.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(Data, "gateway.db")};Pooling=False"))
            await db.ExecuteAsync("UPDATE shipments SET expires_at = @past", new { past = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() });
        string expireOutput;
        await using (var gw = await GatewayProcess.StartAsync(env, dataDirectory: Data, keyFile: KeyFile))
        {
            var erased = await Eventually.TrueAsync(async () =>
            {
                await using var db = new SqliteConnection($"Data Source={gw.DatabasePath};Mode=ReadOnly;Pooling=False");
                return await db.ExecuteScalarAsync<long>("SELECT count(*) FROM recipients WHERE server_share IS NOT NULL OR wrapped_key IS NOT NULL") == 0
                    && await db.ExecuteScalarAsync<long>("SELECT count(*) FROM shipments WHERE state = 'expired'") == 1;
            }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
            erased.Should().BeTrue("the sweeper erases the keys of an expired shipment");
            using var recipient = new RecipientClient(gw.WebBase, link, code);
            (await recipient.UnlockAsync()).Status.Should().Be(HttpStatusCode.NotFound, "after expiry the link and the code open nothing");
            (await gw.TerminateAsync()).Should().Be(0);
            expireOutput = gw.Output;
        }

        // Nothing of E, T, S, Ks or the wrapped key in any file of the data directory...
        var needles = Needles(parsed, code);
        needles["Ks"] = share;
        needles["wrapped key"] = wrapped;
        foreach (var file in Directory.EnumerateFiles(Data, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var (name, needle) in needles)
                bytes.AsSpan().IndexOf(needle).Should().Be(-1, $"{name} must not remain in {Path.GetRelativePath(Data, file)}");
        }
        // ...nor T, E or S in anything the gateway logged...
        foreach (var (phase, output) in new[] { ("ship", shipOutput), ("open", openOutput), ("expire", expireOutput) })
        {
            foreach (var (name, needle) in Needles(parsed, code).Where(n => n.Key.Contains("text", StringComparison.Ordinal)))
                output.Should().NotContain(Encoding.ASCII.GetString(needle), $"{name} must not be logged ({phase})");
        }
        // ...and the backup taken before the expiry, with the link and the code, still opens nothing without the key.
        var (_, backedUpShare, backedUpWrapped) = await StoredSecretsAsync(backup);
        var fromBackup = () => ShipmentKeys.UnwrapDataKey(backedUpWrapped, parsed.FragmentKey, ShipmentKeys.NormalizeCode(code)!, parsed.Token,
            backedUpShare.AsSpan(0, ShipmentKeys.KeySize));
        fromBackup.Should().Throw<ShipmentIntegrityException>();
    }

    /// <summary>E, T and S as bytes and in every text form they take in a link, a message or a request.</summary>
    private static Dictionary<string, byte[]> Needles(RecipientLink link, string code)
    {
        var s = ShipmentKeys.NormalizeCode(code)!;
        return new Dictionary<string, byte[]>
        {
            ["E"] = link.FragmentKey,
            ["E (text, base64url)"] = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(link.FragmentKey)),
            ["E (text, hex)"] = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(link.FragmentKey)),
            ["T"] = link.Token,
            ["T (text, base64url)"] = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(link.Token)),
            ["T (text, hex)"] = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(link.Token)),
            ["S (text)"] = Encoding.ASCII.GetBytes(s),
            ["S (text, as shown)"] = Encoding.ASCII.GetBytes(ShipmentKeys.FormatCode(s)),
        };
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    /// <summary>Every file under <paramref name="directory"/> with the SHA-256 of its bytes, in name order.</summary>
    private static List<string> Snapshot(string directory) =>
        [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(directory, f) + " " + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))];
}
