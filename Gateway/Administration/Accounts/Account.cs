namespace DicomGateway.Administration;

/// <summary>An administration account as stored. <see cref="PasswordHash"/> is null for an account that cannot sign in with a password.</summary>
public sealed record Account
{
    public long Id { get; init; }
    public required string Username { get; init; }
    public required string DisplayName { get; init; }
    public string? PasswordHash { get; init; }
    public required IReadOnlyList<string> Roles { get; init; }
    public bool Disabled { get; init; }
    public bool MustChangePassword { get; init; }
    public int FailedCount { get; init; }
    public DateTimeOffset? LockedUntil { get; init; }
    public DateTimeOffset? LastSignInAt { get; init; }
    public required string SecurityStamp { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && until > now;
}

/// <summary>An API key as listed: never the key itself, which only its creator saw once.</summary>
public sealed record ApiKey
{
    public long Id { get; init; }
    public required string Name { get; init; }
    public required string Role { get; init; }
    public required string Prefix { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>Roles as stored in <c>accounts.roles</c>: comma-separated, known names only, each once, in <see cref="AdminRoles.All"/> order.</summary>
internal static class RoleList
{
    public static string Format(IEnumerable<string> roles) => string.Join(',', Normalize(roles));

    public static IReadOnlyList<string> Parse(string? text) =>
        Normalize((text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public static IReadOnlyList<string> Normalize(IEnumerable<string> roles)
    {
        var set = roles.ToHashSet(StringComparer.Ordinal);
        return [.. AdminRoles.All.Where(set.Contains)];
    }

    /// <summary>True when every name is a role and there is at least one.</summary>
    public static bool AreValid(IReadOnlyCollection<string>? roles) =>
        roles is { Count: > 0 } && roles.All(r => AdminRoles.All.Contains(r, StringComparer.Ordinal));
}
