using System.Buffers.Text;
using System.Security.Cryptography;
using DicomGateway.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Administration;

/// <summary>
/// Checks user names and passwords. A wrong name, a wrong password, a locked and a disabled account get the same
/// answer after the same work (a password hash is verified in every case), so the answer and its timing do not say
/// which names exist. Every attempt is audited (110114 User Authentication, 110122 Login).
/// </summary>
public sealed partial class PasswordSignIn
{
    private readonly AccountStore _accounts;
    private readonly AuditTrail _audit;
    private readonly IPasswordHasher<Account> _hasher;
    private readonly AdministrationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PasswordSignIn> _logger;
    private readonly Lazy<string> _dummyHash;

    public PasswordSignIn(AccountStore accounts, AuditTrail audit, IPasswordHasher<Account> hasher, IOptions<AdministrationOptions> options, TimeProvider time,
        ILogger<PasswordSignIn> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _accounts = accounts;
        _audit = audit;
        _hasher = hasher;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _dummyHash = new Lazy<string>(() => hasher.HashPassword(Placeholder, NewOneTimePassword()));
    }

    /// <summary>An account that exists only to hash with: the hasher's user argument is not used by the default hasher.</summary>
    private static readonly Account Placeholder = new() { Username = "", DisplayName = "", Roles = [], SecurityStamp = "" };

    public abstract record Result;

    public sealed record Success(Account Account) : Result;

    public sealed record Failure : Result;

    public async Task<Result> SignInAsync(string? username, string? password, string? address, CancellationToken ct)
    {
        var name = (username ?? "").Trim();
        var now = _time.GetUtcNow();
        var account = name.Length is > 0 and <= 128 ? await _accounts.FindByNameAsync(name, ct).ConfigureAwait(false) : null;
        var verdict = _hasher.VerifyHashedPassword(account ?? Placeholder, account?.PasswordHash ?? _dummyHash.Value, password ?? "");
        var passwordOk = account?.PasswordHash is not null && verdict != PasswordVerificationResult.Failed;

        string? refusal = account switch
        {
            null => "unknown-user",
            { Disabled: true } => "disabled",
            _ when account.IsLocked(now) => "locked",
            _ when !passwordOk => "wrong-password",
            _ => null,
        };
        if (refusal is not null)
        {
            var lockedNow = false;
            if (refusal == "wrong-password")
                lockedNow = await _accounts.RecordFailureAsync(account!.Id, _options.MaxFailedSignIns, now.AddMinutes(_options.LockoutMinutes), ct).ConfigureAwait(false);
            if (lockedNow) LogLocked(account!.Username, _options.LockoutMinutes);
            await AuditAsync(account?.Username ?? Truncate(name), address, AuditOutcome.MinorFailure, new { method = AdminClaims.PasswordMethod, result = refusal, locked = lockedNow }, ct)
                .ConfigureAwait(false);
            return new Failure();
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            await _accounts.RehashAsync(account!.Id, _hasher.HashPassword(account, password!), ct).ConfigureAwait(false);
        await _accounts.RecordSuccessAsync(account!.Id, ct).ConfigureAwait(false);
        await AuditAsync(account.Username, address, AuditOutcome.Success, new { method = AdminClaims.PasswordMethod }, ct).ConfigureAwait(false);
        return new Success(account);
    }

    public enum ChangeResult
    {
        Changed,
        WrongPassword,
        Weak,
        NotLocal,
    }

    /// <summary>The signed-in user changes their own password; their other sessions end, the caller re-issues this one.</summary>
    public async Task<(ChangeResult Result, string? Problem, Account? Account)> ChangePasswordAsync(long accountId, string? currentPassword, string? newPassword,
        string? address, CancellationToken ct)
    {
        var account = await _accounts.FindAsync(accountId, ct).ConfigureAwait(false);
        if (account?.PasswordHash is null) return (ChangeResult.NotLocal, null, null);
        if (_hasher.VerifyHashedPassword(account, account.PasswordHash, currentPassword ?? "") == PasswordVerificationResult.Failed)
        {
            await AuditAsync(account.Username, address, AuditOutcome.MinorFailure, new { what = "password change", result = "wrong-password" }, ct, AuditEventTypes.Login)
                .ConfigureAwait(false);
            return (ChangeResult.WrongPassword, null, null);
        }
        if (PasswordPolicy.Check(account.Username, newPassword) is { } problem) return (ChangeResult.Weak, problem, null);
        if (string.Equals(currentPassword, newPassword, StringComparison.Ordinal)) return (ChangeResult.Weak, "The new password must differ from the current one.", null);
        await _accounts.SetPasswordAsync(account.Id, _hasher.HashPassword(account, newPassword!), mustChangePassword: false, new AuditEvent
        {
            EventId = AuditEventIds.SecurityAlert,
            EventType = AuditEventTypes.SecurityConfiguration,
            Action = AuditAction.Update,
            ActorKind = AuditActorKind.Administrator,
            Actor = account.Username,
            ActorAddress = address,
            Detail = new { what = "own password changed", accountId = account.Id },
        }, ct).ConfigureAwait(false);
        return (ChangeResult.Changed, null, await _accounts.FindAsync(account.Id, ct).ConfigureAwait(false));
    }

    public string Hash(string password) => _hasher.HashPassword(Placeholder, password);

    /// <summary>A password for one use: 18 random bytes, 24 base64url characters.</summary>
    public static string NewOneTimePassword() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));

    private Task AuditAsync(string actor, string? address, AuditOutcome outcome, object detail, CancellationToken ct, string eventType = AuditEventTypes.Login) =>
        _audit.RecordAsync(new AuditEvent
        {
            EventId = AuditEventIds.UserAuthentication,
            EventType = eventType,
            Action = AuditAction.Execute,
            Outcome = outcome,
            ActorKind = AuditActorKind.Administrator,
            Actor = actor.Length == 0 ? "(empty)" : actor,
            ActorAddress = address,
            Detail = detail,
        }, ct);

    private static string Truncate(string name) => name.Length <= 64 ? name : name[..64] + "…";

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Account {Username} locked for {Minutes} minutes after repeated wrong passwords")]
    private partial void LogLocked(string username, int minutes);
}
