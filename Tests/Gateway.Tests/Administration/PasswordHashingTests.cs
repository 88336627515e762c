using System.Buffers.Binary;
using DicomGateway.Administration;
using DicomGateway.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Administration;

/// <summary>
/// Stored password hashes at OWASP's parameters for PBKDF2-HMAC-SHA512 (210,000 iterations), and an older hash
/// replaced by one at the current count at the next successful sign-in, never at a failed one.
/// </summary>
public sealed class PasswordHashingTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TestDatabase _db = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => _db.Dispose();

    /// <summary>The iteration count of an ASP.NET Core Identity V3 hash: format byte 0x01, PRF, iterations, salt length (big-endian).</summary>
    internal static int IterationsOf(byte[] hash)
    {
        hash.Should().HaveCountGreaterThan(13);
        hash[0].Should().Be(0x01, "format V3");
        BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(1)).Should().Be(2u, "the PRF is HMAC-SHA512 (KeyDerivationPrf 2)");
        return (int)BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(5));
    }

    private static PasswordHasher<Account> Hasher(int iterations) =>
        new(Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3, IterationCount = iterations }));

    [Fact]
    public async Task A_hash_with_fewer_iterations_is_replaced_at_the_next_successful_sign_in_and_not_at_a_failed_one()
    {
        var audit = new AuditTrail(_db.Database, _clock);
        var accounts = new AccountStore(_db.Database, audit, new SessionStamps(_clock), _clock);
        var old = Hasher(100_000).HashPassword(null!, "an old but strong password");
        var id = await accounts.CreateAsync("legacy", "Legacy", old, [AdminRoles.Operator], mustChangePassword: false, null, None);
        var signIn = new PasswordSignIn(accounts, audit, Hasher(PasswordHashing.Iterations), Options.Create(new AdministrationOptions()), _clock,
            NullLogger<PasswordSignIn>.Instance);

        (await signIn.SignInAsync("legacy", "a wrong password", "10.0.0.1", None)).Should().BeOfType<PasswordSignIn.Failure>();
        (await accounts.FindAsync(id!.Value, None))!.PasswordHash.Should().Be(old, "a failed sign-in proves nothing, so nothing is rewritten");

        (await signIn.SignInAsync("legacy", "an old but strong password", "10.0.0.1", None)).Should().BeOfType<PasswordSignIn.Success>();
        var rehashed = (await accounts.FindAsync(id.Value, None))!.PasswordHash!;
        rehashed.Should().NotBe(old);
        IterationsOf(Convert.FromBase64String(old)).Should().Be(100_000);
        IterationsOf(Convert.FromBase64String(rehashed)).Should().Be(210_000);

        (await signIn.SignInAsync("legacy", "an old but strong password", "10.0.0.1", None)).Should().BeOfType<PasswordSignIn.Success>("the same password opens the new hash");
        (await accounts.FindAsync(id.Value, None))!.PasswordHash.Should().Be(rehashed, "a current hash is not rewritten");
    }

    [Fact]
    public void The_gateways_hasher_writes_PBKDF2_HMAC_SHA512_at_210000_iterations()
    {
        PasswordHashing.Iterations.Should().Be(210_000, "OWASP's Password Storage Cheat Sheet for PBKDF2-HMAC-SHA512");
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddAdministration();
        using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var options = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IOptions<PasswordHasherOptions>>(provider).Value;
        var hash = new PasswordHasher<Account>(Options.Create(options)).HashPassword(null!, "x");
        IterationsOf(Convert.FromBase64String(hash)).Should().Be(210_000);
    }
}
