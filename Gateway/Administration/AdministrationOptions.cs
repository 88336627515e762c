namespace DicomGateway.Administration;

/// <summary>Sign-in, sessions and lockout of the administration pages and API. Bound from the "Administration" section.</summary>
public sealed class AdministrationOptions
{
    public const string Section = "Administration";

    /// <summary>
    /// The password of the first administrator ("admin"), for automated installations and tests. Unset: a random
    /// one-time password is written once to the log and must be changed at the first sign-in.
    /// </summary>
    public string? InitialAdminPassword { get; set; }

    /// <summary>Wrong passwords in a row that lock an account.</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account stays locked (an administrator can unlock it sooner).</summary>
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>A session ends after this many minutes without a request (sliding).</summary>
    public int SessionMinutes { get; set; } = 30;

    /// <summary>Optional sign-in through the hospital's identity provider.</summary>
    public OidcOptions Oidc { get; set; } = new();

    internal IEnumerable<string> Validate()
    {
        if (MaxFailedSignIns is < 1 or > 100) yield return "Administration:MaxFailedSignIns must be from 1 to 100";
        if (LockoutMinutes is < 1 or > 24 * 60) yield return "Administration:LockoutMinutes must be from 1 to 1440";
        if (SessionMinutes is < 1 or > 24 * 60) yield return "Administration:SessionMinutes must be from 1 to 1440";
        if (InitialAdminPassword is { } p && PasswordPolicy.Check("admin", p) is { } problem)
            yield return "Administration:InitialAdminPassword: " + problem;
        foreach (var oidcProblem in Oidc.Validate()) yield return oidcProblem;
    }
}

/// <summary>
/// OpenID Connect sign-in (authorization code flow with PKCE). Enabled when <see cref="Authority"/> is set. The
/// signed-in user's roles come from one claim of the identity provider (<see cref="RoleClaim"/>, e.g. "groups"),
/// mapped by <see cref="Roles"/>; a user the mapping gives no role is refused.
/// </summary>
public sealed class OidcOptions
{
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>Shown on the sign-in page: "Sign in with ...".</summary>
    public string DisplayName { get; set; } = "OpenID Connect";

    /// <summary>The claim whose values are mapped to roles.</summary>
    public string RoleClaim { get; set; } = "groups";

    /// <summary>The claim used as the user name in the audit trail.</summary>
    public string UserNameClaim { get; set; } = "preferred_username";

    /// <summary>Role name (administrator, operator, auditor) to the values of <see cref="RoleClaim"/> that grant it.</summary>
    public Dictionary<string, List<string>> Roles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    internal IEnumerable<string> Validate()
    {
        if (!Enabled) yield break;
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme != Uri.UriSchemeHttps)
            yield return "Administration:Oidc:Authority must be an absolute https URL";
        if (string.IsNullOrWhiteSpace(ClientId)) yield return "Administration:Oidc:ClientId is required when Authority is set";
        if (string.IsNullOrWhiteSpace(RoleClaim)) yield return "Administration:Oidc:RoleClaim is required when Authority is set";
        if (string.IsNullOrWhiteSpace(UserNameClaim)) yield return "Administration:Oidc:UserNameClaim is required when Authority is set";
        if (Roles.Count == 0 || Roles.Values.All(v => v.Count == 0))
            yield return "Administration:Oidc:Roles must map at least one claim value to a role, or no one could sign in";
        foreach (var role in Roles.Keys)
        {
            if (!AdminRoles.All.Contains(role, StringComparer.OrdinalIgnoreCase))
                yield return $"Administration:Oidc:Roles: '{role}' is not a role (administrator, operator, auditor)";
        }
    }
}
