using System.Security.Claims;

namespace DicomGateway.Administration;

/// <summary>
/// The roles an identity provider's user gets: every role whose list in Administration:Oidc:Roles holds one of the
/// values of the user's <see cref="OidcOptions.RoleClaim"/> claims (compared exactly: group names and IDs are case-sensitive at most providers).
/// </summary>
public static class OidcRoleMapping
{
    public static IReadOnlyList<string> RolesOf(ClaimsPrincipal user, OidcOptions options)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(options);
        var values = user.FindAll(options.RoleClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var roles = options.Roles
            .Where(kv => AdminRoles.All.Contains(kv.Key.ToLowerInvariant(), StringComparer.Ordinal) && kv.Value.Any(values.Contains))
            .Select(kv => kv.Key.ToLowerInvariant());
        return RoleList.Normalize(roles);
    }
}
