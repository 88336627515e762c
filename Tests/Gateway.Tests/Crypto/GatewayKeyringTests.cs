using System.Security.Cryptography;
using DicomGateway.Crypto;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Crypto;

/// <summary>The gateway keyring: protection and keyed hashes per purpose, the key's check value, the registration from the Shipments section.</summary>
public sealed class GatewayKeyringTests : IDisposable
{
    private readonly TempDirectory _root = new("gw-keyring-");

    public void Dispose() => _root.Dispose();

    private static GatewayKeyring Keyring() => new(RandomNumberGenerator.GetBytes(32));

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
    public void Data_protected_for_one_purpose_does_not_unprotect_for_another_nor_under_another_key()
    {
        using var keyring = Keyring();
        using var other = Keyring();
        var protectedData = keyring.Protect("study-data-key", new byte[32]);

        ((Action)(() => keyring.Unprotect("notification", protectedData))).Should().Throw<ShipmentIntegrityException>();
        ((Action)(() => other.Unprotect("study-data-key", protectedData))).Should().Throw<ShipmentIntegrityException>();
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

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void A_key_that_is_not_32_bytes_is_refused(int length)
    {
        var make = () => new GatewayKeyring(new byte[length]);

        make.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Keyed_hashes_depend_on_the_purpose_and_the_key_and_the_incremental_hash_agrees()
    {
        using var keyring = Keyring();
        using var other = Keyring();
        var value = Blobs.Plaintext(100_000);

        var hash = keyring.KeyedHash("content", value);
        using var incremental = keyring.CreateIncrementalHash("content");
        foreach (var piece in value.Chunk(16_384)) incremental.Append(piece);

        incremental.GetHashAndReset().Should().Equal(hash);
        keyring.KeyedHash("sop-instance-uid", value).Should().NotEqual(hash);
        other.KeyedHash("content", value).Should().NotEqual(hash);
        keyring.KeyedHash("patient-id", "ABC").Should().Equal(keyring.KeyedHash("patient-id", "ABC"u8));
    }

    [Fact]
    public void The_check_value_is_the_same_for_the_same_key_differs_for_another_and_is_not_the_key()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var keyring = new GatewayKeyring(key);
        using var again = new GatewayKeyring(key);
        using var other = Keyring();

        var check = keyring.CheckValue();

        check.Should().HaveCount(32).And.Equal(again.CheckValue());
        other.CheckValue().Should().NotEqual(check);
        check.Should().NotEqual(key);
        check.Should().NotEqual(HMACSHA256.HashData(key, CryptoPurposes.KeyCheckLabel), "the check is made under a subkey, not the key itself");
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
        using var direct = new GatewayKeyring(key);

        var keyring = provider.GetRequiredService<GatewayKeyring>();

        keyring.KeyedHash("p", "v").Should().Equal(direct.KeyedHash("p", "v"));
        Directory.EnumerateFileSystemEntries(_root.Path, "*", SearchOption.AllDirectories).Should().BeEmpty("a configured key writes no key file");
    }

    private ServiceProvider Services(string configuredKey)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Shipments:GatewayKey"] = configuredKey,
            ["Storage:DataDirectory"] = "data",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new TestHostEnvironment(_root.Path));
        DicomGateway.Storage.StorageServiceCollectionExtensions.AddInstanceStorage(services);
        DicomGateway.Database.DatabaseServiceCollectionExtensions.AddGatewayDatabase(services);
        services.AddGatewayCrypto();
        return services.BuildServiceProvider();
    }
}
