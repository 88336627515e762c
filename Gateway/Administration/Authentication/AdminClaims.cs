using System.Globalization;
using System.Security.Claims;

namespace DicomGateway.Administration;

/// <summary>The claims of a signed-in administration user, whichever way they signed in.</summary>
public static class AdminClaims
{
    public const string AccountId = "dgw:account";
    public const string DisplayName = "dgw:display-name";
    public const string SecurityStamp = "dgw:stamp";
    public const string Method = "dgw:method";
    public const string MustChangePassword = "dgw:must-change-password";
    public const string ApiKeyId = "dgw:api-key";

    /// <summary>The server-side session a cookie belongs to (<see cref="AdminSessions"/>).</summary>
    public const string Session = "dgw:session";

    public const string PasswordMethod = "password";
    public const string OidcMethod = "oidc";
    public const string ApiKeyMethod = "api-key";

    public static ClaimsPrincipal ForAccount(Account account, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(account);
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, account.Username),
            new(AccountId, account.Id.ToString(CultureInfo.InvariantCulture)),
            new(DisplayName, account.DisplayName),
            new(SecurityStamp, account.SecurityStamp),
            new(Method, PasswordMethod),
        };
        if (account.MustChangePassword) claims.Add(new Claim(MustChangePassword, "true"));
        claims.AddRange(account.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    public static ClaimsPrincipal ForApiKey(ApiKey key, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(key);
        Claim[] claims =
        [
            new(ClaimTypes.Name, "api-key:" + key.Name),
            new(DisplayName, key.Name),
            new(ApiKeyId, key.Id.ToString(CultureInfo.InvariantCulture)),
            new(Method, ApiKeyMethod),
            new(ClaimTypes.Role, key.Role),
        ];
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    public static ClaimsPrincipal ForOidcUser(string username, string displayName, IEnumerable<string> roles, string authenticationType)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, username),
            new(DisplayName, displayName),
            new(Method, OidcMethod),
        };
        claims.AddRange(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The same principal, bound to the server-side session <paramref name="sessionId"/>.</summary>
    public static ClaimsPrincipal InSession(this ClaimsPrincipal user, string sessionId)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identity = (ClaimsIdentity)user.Identity!;
        foreach (var old in identity.FindAll(Session).ToList()) identity.RemoveClaim(old);
        identity.AddClaim(new Claim(Session, sessionId));
        return user;
    }

    public static string? SessionOf(this ClaimsPrincipal user) => user?.FindFirst(Session)?.Value;

    public static long? AccountIdOf(this ClaimsPrincipal user) =>
        long.TryParse(user?.FindFirst(AccountId)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    public static string MethodOf(this ClaimsPrincipal user) => user?.FindFirst(Method)?.Value ?? PasswordMethod;

    public static bool MustChangePasswordOf(this ClaimsPrincipal user) => user?.HasClaim(MustChangePassword, "true") == true;

    public static IReadOnlyList<string> RolesOf(this ClaimsPrincipal user) =>
        RoleList.Normalize(user?.FindAll(ClaimTypes.Role).Select(c => c.Value) ?? []);
}
