using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Dapper;
using DicomGateway.Crypto;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Crypto;

/// <summary>
/// The gateway key's custody through the real executable: a data directory copied to a gateway with another key, or
/// with none, is refused and left byte for byte as it was; the key file is refused inside the data directory and an
/// earlier version's key is moved out of it; a systemd credential is the key; a recipient's stored verifier and key
/// share are not P's hash and Ks, rows stored the earlier way are upgraded at start, and the shipment still opens.
/// </summary>
public sealed class GatewayKeyCustodyProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-custody-e2e-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private Outboxes Outboxes => new(_dir.Path);

    /// <summary>A data directory that has received one study and was stopped as a service is stopped (SIGTERM), and the key file it was used with.</summary>
    private async Task<(string Data, string KeyFile)> StoppedGatewayAsync()
    {
        var data = Path.Combine(_dir.Path, "data");
        var keyFile = Path.Combine(_dir.Path, "keys", "gateway.key");
        await using (var gw = await GatewayProcess.StartAsync(new Dictionary<string, string> { ["Shipments__StableStudySeconds"] = "3600" }, dataDirectory: data, keyFile: keyFile))
        {
            var file = Instances.WriteCt(_dir.Path, 1);
            var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), file], ExternalTool.LongTimeout);
            store.ExitCode.Should().Be(0, store.Output);
            (await gw.TerminateAsync()).Should().Be(0, gw.Output);
        }
        File.Exists(Path.Combine(data, "gateway.db-wal")).Should().BeFalse("a stopped gateway closes its connections, which checkpoints the log away");
        return (data, keyFile);
    }

    private static string CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return to;
    }

    [Fact]
    public async Task A_gateway_started_on_a_copied_data_directory_with_another_key_exits_naming_the_setting_and_changes_no_file()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (data, keyFile) = await StoppedGatewayAsync();
        var copy = CopyDirectory(data, Path.Combine(_dir.Path, "elsewhere", "data"));
        var otherKey = Path.Combine(_dir.Path, "elsewhere", "gateway.key");
        await File.WriteAllBytesAsync(otherKey, RandomNumberGenerator.GetBytes(32));
        var before = DirectorySnapshot.Take(copy);
        before.Keys.Should().Contain("gateway.db").And.Contain(k => k.StartsWith("blobs", StringComparison.Ordinal));

        var (exitCode, output) = await GatewayProcess.RunUntilExitAsync(dataDirectory: copy, keyFile: otherKey);
        var (configuredExit, configuredOutput) = await GatewayProcess.RunUntilExitAsync(
            new Dictionary<string, string> { ["Shipments__GatewayKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }, dataDirectory: copy);

        exitCode.Should().NotBe(0, output);
        output.Should().Contain("Shipments:GatewayKeyFile").And.Contain(otherKey).And.Contain("not the key the database");
        configuredExit.Should().NotBe(0, configuredOutput);
        configuredOutput.Should().Contain("Shipments:GatewayKey");
        DirectorySnapshot.Take(copy).Should().Equal(before, "names and contents of every file under the data directory are unchanged");

        // With the key it was used with, the copy is a working gateway again.
        await using var withKey = await GatewayProcess.StartAsync(dataDirectory: copy, keyFile: keyFile);
    }

    [Fact]
    public async Task With_the_key_file_missing_a_gateway_whose_database_has_a_check_value_refuses_and_creates_no_key()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (data, keyFile) = await StoppedGatewayAsync();
        File.Delete(keyFile);
        var before = DirectorySnapshot.Take(data);

        var (exitCode, output) = await GatewayProcess.RunUntilExitAsync(dataDirectory: data, keyFile: keyFile);

        exitCode.Should().NotBe(0, output);
        output.Should().Contain(keyFile).And.Contain("Shipments:GatewayKeyFile").And.Contain("does not exist");
        File.Exists(keyFile).Should().BeFalse("a new key would leave everything the gateway keeps unreadable");
        DirectorySnapshot.Take(data).Should().Equal(before);
    }

    [Fact]
    public async Task A_key_file_inside_the_data_directory_is_refused()
    {
        var data = Path.Combine(_dir.Path, "data");
        var keyFile = Path.Combine(data, "keys", "gateway.key");

        var (exitCode, output) = await GatewayProcess.RunUntilExitAsync(dataDirectory: data, keyFile: keyFile);

        exitCode.Should().NotBe(0, output);
        output.Should().Contain("inside the data directory").And.Contain("Shipments:GatewayKeyFile").And.Contain(keyFile);
        File.Exists(keyFile).Should().BeFalse();
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 31 bytes
    public async Task A_configured_key_that_is_not_32_bytes_of_base64_stops_the_start_with_the_setting_named_and_writes_nothing(string configured)
    {
        var data = Path.Combine(_dir.Path, "data");

        var (exitCode, output) = await GatewayProcess.RunUntilExitAsync(new Dictionary<string, string> { ["Shipments__GatewayKey"] = configured }, dataDirectory: data);

        exitCode.Should().NotBe(0, output);
        output.Should().Contain("Shipments:GatewayKey must be the base64 of exactly 32 bytes").And.NotContain(configured);
        Directory.Exists(data).Should().BeFalse();
    }

    [Fact]
    public async Task A_key_an_earlier_version_kept_in_the_data_directory_is_moved_out_at_start_with_a_warning()
    {
        var data = Path.Combine(_dir.Path, "data");
        var legacy = Path.Combine(data, "keys", "gateway.key");
        Directory.CreateDirectory(Path.GetDirectoryName(legacy)!);
        var key = RandomNumberGenerator.GetBytes(32);
        await File.WriteAllBytesAsync(legacy, key);
        var keyFile = Path.Combine(_dir.Path, "etc", "gateway.key");

        await using var gw = await GatewayProcess.StartAsync(dataDirectory: data, keyFile: keyFile);

        (await File.ReadAllBytesAsync(keyFile)).Should().Equal(key);
        File.Exists(legacy).Should().BeFalse();
        gw.Output.Should().Contain("Moved the gateway key out of the data directory");
        if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(keyFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var keyring = new GatewayKeyring(key);
        (await CheckValueAsync(gw.DatabasePath)).Should().Equal(keyring.CheckValue(), "the moved key is the one recorded");
    }

    [Fact]
    public async Task A_systemd_credential_is_the_key_ahead_of_the_key_file_and_no_key_file_is_written()
    {
        var credentials = Directory.CreateDirectory(Path.Combine(_dir.Path, "credentials")).FullName;
        var key = RandomNumberGenerator.GetBytes(32);
        await File.WriteAllTextAsync(Path.Combine(credentials, GatewayKeyCustody.CredentialName), Convert.ToBase64String(key) + "\n");

        await using var gw = await GatewayProcess.StartAsync(new Dictionary<string, string> { ["CREDENTIALS_DIRECTORY"] = credentials });

        File.Exists(gw.KeyFile).Should().BeFalse();
        gw.Output.Should().Contain("Using the gateway key from the systemd credential");
        using var keyring = new GatewayKeyring(key);
        (await CheckValueAsync(gw.DatabasePath)).Should().Equal(keyring.CheckValue());
    }

    [Fact]
    public async Task The_stored_verifier_and_key_share_are_not_the_proofs_hash_nor_Ks_rows_stored_the_earlier_way_are_upgraded_and_the_shipment_opens()
    {
        if (!OperatingSystem.IsLinux()) return;
        var data = Path.Combine(_dir.Path, "data");
        var env = Outboxes.Environment();
        string link, code;
        byte[] proof, serverShare;
        await using (var gw = await GatewayProcess.StartAsync(env, dataDirectory: data))
        {
            var file = Instances.WriteCt(_dir.Path, 1);
            (await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), file], ExternalTool.LongTimeout))
                .ExitCode.Should().Be(0);
            (link, code) = await Outboxes.WaitForNotificationAsync();
            RecipientLink.TryParse(link, out var parsed).Should().BeTrue();
            proof = ShipmentKeys.DeriveUnlockProof(parsed!.FragmentKey, ShipmentKeys.NormalizeCode(code)!, parsed.Token);

            var row = await RecipientRowAsync(gw.DatabasePath);
            row.Version.Should().Be(1);
            row.ProofHash.Should().NotEqual(SHA256.HashData(proof), "the database alone must not verify a guessed code");
            using var keyring = new GatewayKeyring(await File.ReadAllBytesAsync(gw.KeyFile));
            row.ProofHash.Should().Equal(keyring.KeyedHash(CryptoPurposes.Hash.UnlockVerifier, SHA256.HashData(proof)));
            serverShare = keyring.Unprotect(CryptoPurposes.Protect.ServerShare, row.ServerShare);
            row.ServerShare.AsSpan().IndexOf(serverShare).Should().Be(-1, "Ks is not stored in clear");

            using var recipient = new RecipientClient(gw.WebBase, link, code);
            (await recipient.UnlockAsync()).Status.Should().Be(HttpStatusCode.OK);
            (await gw.TerminateAsync()).Should().Be(0, gw.Output);
        }

        // The row as a gateway before secrets_version wrote it: SHA-256(P) and Ks in clear.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(data, "gateway.db")};Pooling=False"))
            await db.ExecuteAsync("UPDATE recipients SET proof_hash = @hash, server_share = @serverShare, secrets_version = 0",
                new { hash = SHA256.HashData(proof), serverShare });

        await using (var again = await GatewayProcess.StartAsync(env, dataDirectory: data))
        {
            var row = await RecipientRowAsync(again.DatabasePath);
            row.Version.Should().Be(1);
            row.ProofHash.Should().NotEqual(SHA256.HashData(proof));
            row.ServerShare.AsSpan().IndexOf(serverShare).Should().Be(-1);
            using var recipient = new RecipientClient(again.WebBase, link, code);
            (await recipient.UnlockAsync()).Status.Should().Be(HttpStatusCode.OK, "the upgraded row opens with the same link and code");
            (await recipient.ManifestAsync()).InstanceCount.Should().Be(1);
            var wrong = code[0] == 'A' ? "BBBB-BBBB" : "AAAA-AAAA";
            (await recipient.UnlockAsync(wrong)).Status.Should().Be(HttpStatusCode.Forbidden);
        }
    }

    private static async Task<(long Version, byte[] ProofHash, byte[] ServerShare)> RecipientRowAsync(string databasePath)
    {
        await using var db = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        return await db.QuerySingleAsync<(long, byte[], byte[])>("SELECT secrets_version, proof_hash, server_share FROM recipients");
    }

    private static async Task<byte[]> CheckValueAsync(string databasePath)
    {
        await using var db = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        return await Eventually.PollAsync(() => db.QuerySingleOrDefaultAsync<byte[]>("SELECT check_value FROM gateway_key"), v => v is not null,
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100)) ?? throw new TimeoutException("no check value recorded");
    }
}
