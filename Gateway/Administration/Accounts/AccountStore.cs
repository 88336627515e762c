using System.Security.Cryptography;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Database;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Administration;

/// <summary>
/// The <c>accounts</c> and <c>api_keys</c> tables. Every change an administrator makes is recorded in the audit
/// trail in the same transaction (the caller passes the event); every change that should end the account's other
/// sessions (password, roles, disabling) gives it a new security stamp and drops it from <see cref="SessionStamps"/>.
/// </summary>
public sealed class AccountStore(GatewayDatabase database, AuditTrail audit, SessionStamps stamps, TimeProvider time)
{
    private const string AccountColumns =
        "id AS Id, username AS Username, display_name AS DisplayName, password_hash AS PasswordHash, roles AS Roles, disabled AS Disabled, " +
        "must_change_password AS MustChangePassword, failed_count AS FailedCount, locked_until AS LockedUntil, last_sign_in_at AS LastSignInAt, " +
        "security_stamp AS SecurityStamp, created_at AS CreatedAt, updated_at AS UpdatedAt";

    private const string ApiKeyColumns =
        "id AS Id, name AS Name, role AS Role, prefix AS Prefix, created_at AS CreatedAt, created_by AS CreatedBy, last_used_at AS LastUsedAt, revoked_at AS RevokedAt";

    /// <summary>How often the last use of an API key is written: a busy integration should not write on every call.</summary>
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    public async Task<long> CountAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM accounts", cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<Account?> FindAsync(long id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<AccountRow>(new CommandDefinition(
            $"SELECT {AccountColumns} FROM accounts WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToAccount();
    }

    /// <summary>The account of <paramref name="username"/>, compared without regard to case.</summary>
    public async Task<Account?> FindByNameAsync(string username, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<AccountRow>(new CommandDefinition(
            $"SELECT {AccountColumns} FROM accounts WHERE username = @username", new { username = username.Trim() }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToAccount();
    }

    public async Task<IReadOnlyList<Account>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var rows = await connection.QueryAsync<AccountRow>(new CommandDefinition(
            $"SELECT {AccountColumns} FROM accounts ORDER BY username", cancellationToken: ct)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToAccount())];
    }

    /// <summary>Creates an account; null when the user name is taken (whatever its case).</summary>
    public async Task<long?> CreateAsync(string username, string displayName, string passwordHash, IEnumerable<string> roles, bool mustChangePassword,
        AuditEvent? auditEvent, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            INSERT INTO accounts (username, display_name, password_hash, roles, must_change_password, security_stamp, created_at, updated_at)
            VALUES (@username, @displayName, @passwordHash, @roles, @mustChangePassword, @stamp, @now, @now)
            ON CONFLICT (username) DO NOTHING
            RETURNING id
            """, new { username = username.Trim(), displayName, passwordHash, roles = RoleList.Format(roles), mustChangePassword, stamp = NewStamp(), now },
            tx, cancellationToken: ct)).ConfigureAwait(false);
        if (id is null) return null;
        if (auditEvent is not null) await audit.RecordAsync(connection, tx, auditEvent, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return id;
    }

    /// <summary>
    /// Changes the display name, roles and disabled flag. Refused (<see cref="AccountChange.LastAdministrator"/>) when it
    /// would leave no enabled administrator. Other sessions of the account end.
    /// </summary>
    public async Task<AccountChange> UpdateAsync(long id, string displayName, IEnumerable<string> roles, bool disabled, AuditEvent auditEvent, CancellationToken ct)
    {
        var roleText = RoleList.Format(roles);
        var staysAdministrator = !disabled && RoleList.Parse(roleText).Contains(AdminRoles.Administrator);
        return await ChangeAsync(id, checkLastAdministrator: !staysAdministrator, auditEvent, ct, (connection, tx, now) => connection.ExecuteAsync(new CommandDefinition("""
            UPDATE accounts SET display_name = @displayName, roles = @roleText, disabled = @disabled, security_stamp = @stamp, updated_at = @now WHERE id = @id
            """, new { id, displayName, roleText, disabled, stamp = NewStamp(), now }, tx, cancellationToken: ct))).ConfigureAwait(false);
    }

    /// <summary>Sets a new password hash (a change by the user or a reset by an administrator); unlocks; other sessions end.</summary>
    public Task<AccountChange> SetPasswordAsync(long id, string passwordHash, bool mustChangePassword, AuditEvent auditEvent, CancellationToken ct) =>
        ChangeAsync(id, checkLastAdministrator: false, auditEvent, ct, (connection, tx, now) => connection.ExecuteAsync(new CommandDefinition("""
            UPDATE accounts SET password_hash = @passwordHash, must_change_password = @mustChangePassword, failed_count = 0, locked_until = NULL,
                                security_stamp = @stamp, updated_at = @now WHERE id = @id
            """, new { id, passwordHash, mustChangePassword, stamp = NewStamp(), now }, tx, cancellationToken: ct)));

    public Task<AccountChange> UnlockAsync(long id, AuditEvent auditEvent, CancellationToken ct) =>
        ChangeAsync(id, checkLastAdministrator: false, auditEvent, ct, (connection, tx, now) => connection.ExecuteAsync(new CommandDefinition(
            "UPDATE accounts SET failed_count = 0, locked_until = NULL, updated_at = @now WHERE id = @id", new { id, now }, tx, cancellationToken: ct)));

    public Task<AccountChange> DeleteAsync(long id, AuditEvent auditEvent, CancellationToken ct) =>
        ChangeAsync(id, checkLastAdministrator: true, auditEvent, ct, (connection, tx, _) => connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM accounts WHERE id = @id", new { id }, tx, cancellationToken: ct)));

    /// <summary>The hasher's newer format for the same password: not a change of password, so sessions live on.</summary>
    public async Task RehashAsync(long id, string passwordHash, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE accounts SET password_hash = @passwordHash WHERE id = @id",
            new { id, passwordHash }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>Counts a wrong password; the <paramref name="maxFailures"/>-th in a row locks the account until <paramref name="lockUntil"/>. True when it locked.</summary>
    public async Task<bool> RecordFailureAsync(long id, int maxFailures, DateTimeOffset lockUntil, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var locked = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            UPDATE accounts SET
                locked_until = CASE WHEN failed_count + 1 >= @maxFailures THEN @lockUntil ELSE locked_until END,
                failed_count = CASE WHEN failed_count + 1 >= @maxFailures THEN 0 ELSE failed_count + 1 END
            WHERE id = @id
            RETURNING locked_until
            """, new { id, maxFailures, lockUntil = lockUntil.ToUnixTimeMilliseconds() }, cancellationToken: ct)).ConfigureAwait(false);
        return locked == lockUntil.ToUnixTimeMilliseconds();
    }

    public async Task RecordSuccessAsync(long id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE accounts SET failed_count = 0, locked_until = NULL, last_sign_in_at = @now WHERE id = @id",
            new { id, now = time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>What a session cookie is checked against: null when the account is gone.</summary>
    public async Task<SessionStamp?> StampAsync(long id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<(string Stamp, long Disabled)?>(new CommandDefinition(
            "SELECT security_stamp, disabled FROM accounts WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        return row is { } r ? new SessionStamp(r.Stamp, r.Disabled != 0) : null;
    }

    public async Task<long> CreateApiKeyAsync(string name, string role, string prefix, byte[] keyHash, string createdBy, AuditEvent auditEvent, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO api_keys (name, role, prefix, key_hash, created_at, created_by) VALUES (@name, @role, @prefix, @keyHash, @now, @createdBy) RETURNING id
            """, new { name, role, prefix, keyHash, now, createdBy }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await audit.RecordAsync(connection, tx, auditEvent with { Detail = new { what = "API key created", id, name, role, prefix } }, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return id;
    }

    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var rows = await connection.QueryAsync<ApiKeyRow>(new CommandDefinition(
            $"SELECT {ApiKeyColumns} FROM api_keys ORDER BY id", cancellationToken: ct)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToApiKey())];
    }

    /// <summary>Revokes a key at once (the next request with it is refused). False when there is no such key or it is already revoked.</summary>
    public async Task<bool> RevokeApiKeyAsync(long id, AuditEvent auditEvent, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL", new { id, now }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (changed == 0) return false;
        await audit.RecordAsync(connection, tx, auditEvent, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>The key whose SHA-256 is <paramref name="keyHash"/>, unless revoked; its last use is brought up to date.</summary>
    public async Task<ApiKey?> UseApiKeyAsync(byte[] keyHash, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(new CommandDefinition(
            $"SELECT {ApiKeyColumns} FROM api_keys WHERE key_hash = @keyHash AND revoked_at IS NULL", new { keyHash }, cancellationToken: ct)).ConfigureAwait(false);
        if (row is null) return null;
        if (row.LastUsedAt is null || row.LastUsedAt < (now - LastUseResolution).ToUnixTimeMilliseconds())
        {
            await connection.ExecuteAsync(new CommandDefinition("UPDATE api_keys SET last_used_at = @at WHERE id = @Id",
                new { at = now.ToUnixTimeMilliseconds(), row.Id }, cancellationToken: ct)).ConfigureAwait(false);
            row.LastUsedAt = now.ToUnixTimeMilliseconds();
        }
        return row.ToApiKey();
    }

    private async Task<AccountChange> ChangeAsync(long id, bool checkLastAdministrator, AuditEvent auditEvent, CancellationToken ct,
        Func<SqliteConnection, SqliteTransaction, long, Task<int>> change)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (checkLastAdministrator)
        {
            var others = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
                SELECT COUNT(*) FROM accounts
                WHERE id <> @id AND disabled = 0 AND (',' || roles || ',') LIKE '%,administrator,%'
                """, new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
            var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM accounts WHERE id = @id", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (exists == 0) return AccountChange.NotFound;
            if (others == 0) return AccountChange.LastAdministrator;
        }
        if (await change(connection, tx, now).ConfigureAwait(false) == 0) return AccountChange.NotFound;
        await audit.RecordAsync(connection, tx, auditEvent, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        stamps.Forget(id);
        return AccountChange.Done;
    }

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    private static DateTimeOffset? Time(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;

    private sealed class AccountRow
    {
        public long Id { get; set; }
        public string Username { get; set; } = "";
        public string DisplayName { get; set; } = "";
        public string? PasswordHash { get; set; }
        public string Roles { get; set; } = "";
        public long Disabled { get; set; }
        public long MustChangePassword { get; set; }
        public long FailedCount { get; set; }
        public long? LockedUntil { get; set; }
        public long? LastSignInAt { get; set; }
        public string SecurityStamp { get; set; } = "";
        public long CreatedAt { get; set; }
        public long UpdatedAt { get; set; }

        public Account ToAccount() => new()
        {
            Id = Id,
            Username = Username,
            DisplayName = DisplayName,
            PasswordHash = PasswordHash,
            Roles = RoleList.Parse(Roles),
            Disabled = Disabled != 0,
            MustChangePassword = MustChangePassword != 0,
            FailedCount = (int)FailedCount,
            LockedUntil = Time(LockedUntil),
            LastSignInAt = Time(LastSignInAt),
            SecurityStamp = SecurityStamp,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAt),
        };
    }

    private sealed class ApiKeyRow
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public string Role { get; set; } = "";
        public string Prefix { get; set; } = "";
        public long CreatedAt { get; set; }
        public string CreatedBy { get; set; } = "";
        public long? LastUsedAt { get; set; }
        public long? RevokedAt { get; set; }

        public ApiKey ToApiKey() => new()
        {
            Id = Id,
            Name = Name,
            Role = Role,
            Prefix = Prefix,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
            CreatedBy = CreatedBy,
            LastUsedAt = Time(LastUsedAt),
            RevokedAt = Time(RevokedAt),
        };
    }
}

public enum AccountChange
{
    Done,
    NotFound,

    /// <summary>Refused: the change would leave no enabled administrator.</summary>
    LastAdministrator,
}

public sealed record SessionStamp(string Stamp, bool Disabled);
