using System.Security.Cryptography;
using DicomGateway.Crypto;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Crypto;

/// <summary>The gateway key: created once with owner-only access, reloaded on the next start, overridden by configuration.</summary>
public sealed class GatewayKeyringTests : IDisposable
{
    private readonly TempDirectory _data = new("gw-keyring-");

    public void Dispose() => _data.Dispose();

    private GatewayKeyring Keyring(CryptoOptions? options = null) =>
        new(Options.Create(options ?? new CryptoOptions()), _data.Path, NullLogger<GatewayKeyring>.Instance);

    private string KeyFile => Path.Combine(_data.Path, "keys", "gateway.key");

    [Fact]
    public void The_first_start_creates_a_32_byte_key_file_only_its_owner_can_read()
    {
        using var keyring = Keyring();

        File.ReadAllBytes(KeyFile).Should().HaveCount(32);
        Directory.EnumerateFiles(Path.GetDirectoryName(KeyFile)!).Should().ContainSingle("no temporary file is left behind");
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(KeyFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public void The_next_start_reloads_the_same_key_and_reads_what_the_first_protected()
    {
        byte[] protectedData;
        byte[] hash;
        using (var first = Keyring())
        {
            protectedData = first.Protect("notification", "to: someone"u8);
            hash = first.KeyedHash("patient-id", "12345");
        }
        var fileBefore = File.ReadAllBytes(KeyFile);

        using var second = Keyring();

        second.Unprotect("notification", protectedData).Should().Equal("to: someone"u8.ToArray());
        second.KeyedHash("patient-id", "12345").Should().Equal(hash);
        File.ReadAllBytes(KeyFile).Should().Equal(fileBefore);
    }

    [Fact]
    public void Protect_and_unprotect_round_trip_with_a_fresh_nonce_each_time()
    {
        using var keyring = Keyring();
        var secret = RandomNumberGenerator.GetBytes(32);

        var once = keyring.Protect("study-data-key", secret);
        var twice = keyring.Protect("study-data-key", secret);

        once.Should().NotEqual(twice);
        once.Should().HaveCount(12 + 32 + 16);
        keyring.Unprotect("study-data-key", once).Should().Equal(secret);
        keyring.Unprotect("empty", keyring.Protect("empty", [])).Should().BeEmpty();
    }

    [Fact]
    public void Data_protected_for_one_purpose_does_not_unprotect_for_another()
    {
        using var keyring = Keyring();
        var protectedData = keyring.Protect("study-data-key", new byte[32]);

        var otherPurpose = () => keyring.Unprotect("notification", protectedData);

        otherPurpose.Should().Throw<ShipmentIntegrityException>();
    }

    [Fact]
    public void Changed_or_truncated_protected_data_is_refused()
    {
        using var keyring = Keyring();
        var protectedData = keyring.Protect("notification", new byte[10]);
        protectedData[14] ^= 1;

        ((Action)(() => keyring.Unprotect("notification", protectedData))).Should().Throw<ShipmentIntegrityException>();
        ((Action)(() => keyring.Unprotect("notification", new byte[27]))).Should().Throw<ShipmentIntegrityException>();
    }

    [Fact]
    public void A_configured_key_is_used_instead_of_the_key_file_and_no_file_is_created()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var configured = Keyring(new CryptoOptions { GatewayKey = Convert.ToBase64String(key) });
        var protectedData = configured.Protect("notification", "x"u8);

        File.Exists(KeyFile).Should().BeFalse();
        using var again = Keyring(new CryptoOptions { GatewayKey = Convert.ToBase64String(key) });
        again.Unprotect("notification", protectedData).Should().Equal("x"u8.ToArray());
        using var fromFile = Keyring();
        ((Action)(() => fromFile.Unprotect("notification", protectedData))).Should().Throw<ShipmentIntegrityException>();
    }

    [Fact]
    public void A_key_file_of_the_wrong_size_stops_the_start_and_is_left_alone()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        File.WriteAllBytes(KeyFile, new byte[31]);

        var start = () => Keyring();

        start.Should().Throw<InvalidOperationException>();
        File.ReadAllBytes(KeyFile).Should().HaveCount(31);
    }

    [Fact]
    public void Keyed_hashes_depend_on_the_purpose_and_the_key_and_the_incremental_hash_agrees()
    {
        using var keyring = Keyring();
        using var other = Keyring(new CryptoOptions { GatewayKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) });
        var value = Blobs.Plaintext(100_000);

        var hash = keyring.KeyedHash("content", value);
        using var incremental = keyring.CreateIncrementalHash("content");
        foreach (var piece in value.Chunk(16_384)) incremental.Append(piece);

        incremental.GetHashAndReset().Should().Equal(hash);
        keyring.KeyedHash("sop-instance-uid", value).Should().NotEqual(hash);
        other.KeyedHash("content", value).Should().NotEqual(hash);
        keyring.KeyedHash("patient-id", "ABC").Should().Equal(keyring.KeyedHash("patient-id", "ABC"u8));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 31 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 33 bytes
    public void A_configured_key_that_is_not_32_bytes_of_base64_fails_validation_at_start(string configuredKey)
    {
        using var provider = Services(configuredKey);

        var resolve = () => provider.GetRequiredService<IOptions<CryptoOptions>>().Value;

        resolve.Should().Throw<OptionsValidationException>().WithMessage("*GatewayKey*");
    }

    [Fact]
    public void The_registered_keyring_takes_its_key_from_the_Shipments_section()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var provider = Services(Convert.ToBase64String(key));
        using var direct = Keyring(new CryptoOptions { GatewayKey = Convert.ToBase64String(key) });

        var keyring = provider.GetRequiredService<GatewayKeyring>();

        keyring.KeyedHash("p", "v").Should().Equal(direct.KeyedHash("p", "v"));
    }

    private ServiceProvider Services(string configuredKey)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Shipments:GatewayKey"] = configuredKey,
            ["Storage:DataDirectory"] = _data.Path,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new TestHostEnvironment(_data.Path));
        DicomGateway.Storage.StorageServiceCollectionExtensions.AddInstanceStorage(services);
        services.AddGatewayCrypto();
        return services.BuildServiceProvider();
    }
}
