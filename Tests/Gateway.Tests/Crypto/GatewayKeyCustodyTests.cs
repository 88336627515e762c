using System.Security.Cryptography;
using System.Text;
using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Crypto;

/// <summary>
/// Where the gateway key comes from and when the gateway refuses it: a key file beside appsettings.json (never in the
/// data directory), a systemd credential, a configured key; checked against the database's check value before anything
/// is written. Layout: the content root is the test's directory, the data directory "data" inside it.
/// </summary>
public sealed class GatewayKeyCustodyTests : IDisposable
{
    private readonly TempDirectory _root = new("gw-custody-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _root.Dispose();
    }

    private string Data => Path.Combine(_root.Path, "data");

    private string KeyFile => Path.Combine(_root.Path, "keys", "gateway.key");

    private string LegacyKeyFile => Path.Combine(Data, "keys", "gateway.key");

    private StoragePaths Paths => new(Options.Create(new StorageOptions { DataDirectory = "data" }), new TestHostEnvironment(_root.Path));

    private GatewayKeyCustody Custody(CryptoOptions? options = null, string? credentials = null) =>
        new(Options.Create(options ?? new CryptoOptions()), Paths, new TestHostEnvironment(_root.Path), Options.Create(new DatabaseOptions()), credentials,
            NullLogger<GatewayKeyCustody>.Instance);

    /// <summary>A migrated database in the data directory with the check value of <paramref name="key"/>, closed as a stopped gateway leaves it.</summary>
    private async Task RecordCheckAsync(byte[] key)
    {
        var database = new GatewayDatabase(Options.Create(new DatabaseOptions()), Paths, NullLogger<GatewayDatabase>.Instance);
        using var keyring = new GatewayKeyring(key);
        await new GatewayKeyCheck(database, keyring, TimeProvider.System).StartAsync(CancellationToken.None);
        database.Dispose();
    }

    private void WriteKeyFile(string path, byte[] key)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, key);
    }

    [Fact]
    public void The_first_start_creates_a_32_byte_key_beside_the_settings_not_in_the_data_directory_readable_by_its_owner_only()
    {
        using var keyring = Custody().Open();

        File.ReadAllBytes(KeyFile).Should().HaveCount(32);
        Directory.Exists(Data).Should().BeFalse("nothing of the key goes into the data directory");
        Directory.EnumerateFiles(Path.GetDirectoryName(KeyFile)!).Should().ContainSingle("no temporary file is left behind");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(KeyFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(Path.GetDirectoryName(KeyFile)!).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public void The_next_start_reloads_the_same_key_and_reads_what_the_first_protected()
    {
        byte[] protectedData;
        using (var first = Custody().Open()) protectedData = first.Protect("notification", "to: someone"u8);
        var fileBefore = File.ReadAllBytes(KeyFile);

        using var second = Custody().Open();

        second.Unprotect("notification", protectedData).Should().Equal("to: someone"u8.ToArray());
        File.ReadAllBytes(KeyFile).Should().Equal(fileBefore);
    }

    [Fact]
    public void A_key_file_of_the_wrong_size_stops_the_start_and_is_left_alone()
    {
        WriteKeyFile(KeyFile, new byte[31]);

        var open = () => Custody().Open();

        open.Should().Throw<GatewayKeyRefusedException>().WithMessage("*Shipments:GatewayKeyFile*");
        File.ReadAllBytes(KeyFile).Should().HaveCount(31);
    }

    [Theory]
    [InlineData("data/keys/gateway.key")]
    [InlineData("data/gateway.key")]
    [InlineData("./data/../data/k")]
    public void A_key_file_inside_the_data_directory_is_refused_and_nothing_is_created(string keyFile)
    {
        var open = () => Custody(new CryptoOptions { GatewayKeyFile = keyFile }).Open();

        open.Should().Throw<GatewayKeyRefusedException>().WithMessage("*inside the data directory*Shipments:GatewayKeyFile*");
        Directory.EnumerateFileSystemEntries(_root.Path).Should().BeEmpty();
    }

    [Fact]
    public void An_absolute_key_file_inside_the_data_directory_is_refused_but_one_beside_it_with_a_similar_name_is_not()
    {
        var inside = () => Custody(new CryptoOptions { GatewayKeyFile = Path.Combine(Data, "k.key") }).Open();
        inside.Should().Throw<GatewayKeyRefusedException>();

        using var beside = Custody(new CryptoOptions { GatewayKeyFile = Data + "-keys/k.key" }).Open();
        File.Exists(Data + "-keys/k.key").Should().BeTrue();
    }

    [Fact]
    public void A_key_left_in_the_data_directory_by_an_earlier_version_is_moved_out_and_never_replaced()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        WriteKeyFile(LegacyKeyFile, key);

        using (var keyring = Custody().Open())
            keyring.CheckValue().Should().Equal(new GatewayKeyring(key).CheckValue());

        File.Exists(LegacyKeyFile).Should().BeFalse("the data directory no longer carries the key");
        File.ReadAllBytes(KeyFile).Should().Equal(key);
        if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(KeyFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task A_key_left_in_the_data_directory_that_is_not_the_databases_is_refused_and_stays_where_it_is()
    {
        await RecordCheckAsync(RandomNumberGenerator.GetBytes(32));
        WriteKeyFile(LegacyKeyFile, RandomNumberGenerator.GetBytes(32));
        var before = DirectorySnapshot.Take(Data);

        var open = () => Custody().Open();

        open.Should().Throw<GatewayKeyRefusedException>().WithMessage("*Shipments:GatewayKeyFile*");
        DirectorySnapshot.Take(Data).Should().Equal(before);
        File.Exists(KeyFile).Should().BeFalse();
    }

    [Fact]
    public async Task With_a_check_value_in_the_database_and_no_key_file_the_start_is_refused_and_no_key_is_created()
    {
        await RecordCheckAsync(RandomNumberGenerator.GetBytes(32));
        var before = DirectorySnapshot.Take(Data);

        var open = () => Custody().Open();

        open.Should().Throw<GatewayKeyRefusedException>().WithMessage($"*{KeyFile}*Shipments:GatewayKeyFile*does not exist*");
        File.Exists(KeyFile).Should().BeFalse();
        Directory.Exists(Path.GetDirectoryName(KeyFile)).Should().BeFalse();
        DirectorySnapshot.Take(Data).Should().Equal(before, "not even a -wal or -shm file is left behind");
    }

    [Fact]
    public async Task Another_key_than_the_databases_is_refused_and_the_data_directory_is_unchanged()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await RecordCheckAsync(key);
        WriteKeyFile(KeyFile, RandomNumberGenerator.GetBytes(32));
        var before = DirectorySnapshot.Take(Data);

        var fromFile = () => Custody().Open();
        var configured = () => Custody(new CryptoOptions { GatewayKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }).Open();

        fromFile.Should().Throw<GatewayKeyRefusedException>().WithMessage("*not the key the database*Shipments:GatewayKeyFile or Shipments:GatewayKey*");
        configured.Should().Throw<GatewayKeyRefusedException>().WithMessage("*Shipments:GatewayKey*not the key the database*");
        DirectorySnapshot.Take(Data).Should().Equal(before);
        using var right = Custody(new CryptoOptions { GatewayKey = Convert.ToBase64String(key) }).Open();
        DirectorySnapshot.Take(Data).Should().Equal(before, "the right key opens the database without writing to it either");
    }

    [Fact]
    public async Task A_database_whose_write_ahead_log_was_left_behind_is_read_from_a_copy_and_left_byte_identical()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        // A process killed while it had the database open leaves the check value in the -wal file, not in the database.
        var live = Path.Combine(_root.Path, "live");
        Directory.CreateDirectory(live);
        var livePath = Path.Combine(live, "gateway.db");
        await using (var writer = new SqliteConnection($"Data Source={livePath};Pooling=False"))
        {
            await writer.OpenAsync();
            await writer.ExecuteAsync("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;");
            await writer.ExecuteAsync("CREATE TABLE gateway_key (id INTEGER PRIMARY KEY CHECK (id = 1), check_value BLOB NOT NULL, recorded_at INTEGER NOT NULL)");
            await writer.ExecuteAsync("INSERT INTO gateway_key VALUES (1, @check, 0)", new { check = new GatewayKeyring(key).CheckValue() });
            Directory.CreateDirectory(Data);
            File.Copy(livePath, Path.Combine(Data, "gateway.db"));
            File.Copy(livePath + "-wal", Path.Combine(Data, "gateway.db-wal"));
        }
        var before = DirectorySnapshot.Take(Data);
        WriteKeyFile(KeyFile, RandomNumberGenerator.GetBytes(32));

        var open = () => Custody().Open();

        open.Should().Throw<GatewayKeyRefusedException>("the check value in the log is read");
        DirectorySnapshot.Take(Data).Should().Equal(before);
        File.WriteAllBytes(KeyFile, key);
        using var right = Custody().Open();
        DirectorySnapshot.Take(Data).Should().Equal(before);
    }

    [Fact]
    public void A_systemd_credential_of_32_raw_bytes_is_the_key_and_no_key_file_is_created()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var credentials = Directory.CreateDirectory(Path.Combine(_root.Path, "credentials")).FullName;
        File.WriteAllBytes(Path.Combine(credentials, "gateway-key"), key);

        using var keyring = Custody(credentials: credentials).Open();

        keyring.CheckValue().Should().Equal(new GatewayKeyring(key).CheckValue());
        File.Exists(KeyFile).Should().BeFalse();
    }

    [Fact]
    public void A_systemd_credential_in_base64_is_read_and_takes_precedence_over_the_key_file_but_not_over_a_configured_key()
    {
        var credentialKey = RandomNumberGenerator.GetBytes(32);
        var fileKey = RandomNumberGenerator.GetBytes(32);
        var configuredKey = RandomNumberGenerator.GetBytes(32);
        var credentials = Directory.CreateDirectory(Path.Combine(_root.Path, "credentials")).FullName;
        File.WriteAllText(Path.Combine(credentials, "gateway-key"), Convert.ToBase64String(credentialKey) + "\n");
        WriteKeyFile(KeyFile, fileKey);

        using var fromCredential = Custody(credentials: credentials).Open();
        using var fromConfiguration = Custody(new CryptoOptions { GatewayKey = Convert.ToBase64String(configuredKey) }, credentials).Open();
        using var fromFile = Custody(credentials: Path.Combine(_root.Path, "no-such-directory")).Open();

        fromCredential.CheckValue().Should().Equal(new GatewayKeyring(credentialKey).CheckValue());
        fromConfiguration.CheckValue().Should().Equal(new GatewayKeyring(configuredKey).CheckValue());
        fromFile.CheckValue().Should().Equal(new GatewayKeyring(fileKey).CheckValue());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(-1)]
    public void A_systemd_credential_that_is_neither_32_bytes_nor_their_base64_is_refused(int length)
    {
        var credentials = Directory.CreateDirectory(Path.Combine(_root.Path, "credentials")).FullName;
        var content = length >= 0 ? new byte[length] : Encoding.ASCII.GetBytes(Convert.ToBase64String(new byte[31]));
        File.WriteAllBytes(Path.Combine(credentials, "gateway-key"), content);

        var open = () => Custody(credentials: credentials).Open();

        open.Should().Throw<GatewayKeyRefusedException>().WithMessage("*credential*");
        File.Exists(KeyFile).Should().BeFalse();
    }

    [Fact]
    public async Task The_check_value_is_recorded_once_and_a_database_that_changed_key_meanwhile_is_refused_at_start()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await RecordCheckAsync(key);
        await RecordCheckAsync(key);
        var database = new GatewayDatabase(Options.Create(new DatabaseOptions()), Paths, NullLogger<GatewayDatabase>.Instance);
        await using (var c = await database.OpenAsync())
            (await c.ExecuteScalarAsync<long>("SELECT count(*) FROM gateway_key")).Should().Be(1);

        using var other = new GatewayKeyring(RandomNumberGenerator.GetBytes(32));
        var record = () => new GatewayKeyCheck(database, other, TimeProvider.System).StartAsync(CancellationToken.None);

        await record.Should().ThrowAsync<GatewayKeyRefusedException>();
        database.Dispose();
    }
}
