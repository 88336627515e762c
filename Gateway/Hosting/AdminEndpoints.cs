using System.Security.Claims;

namespace DicomGateway.Hosting;

/// <summary>
/// Authorization policy names for the <c>/api</c> endpoints. Every administration endpoint names exactly one of them;
/// an endpoint without one is refused by the fallback policy (authenticated, any role) and flagged by the tests. They live
/// here, below every feature, because each feature names them on its own endpoints; the administration module defines
/// what each one requires.
/// </summary>
public static class AdminPolicies
{
    /// <summary>Administrator or operator: read-only views of the configuration and the traffic.</summary>
    public const string View = "admin.view";

    /// <summary>Administrator or operator: resend notifications.</summary>
    public const string Resend = "admin.resend";

    /// <summary>Administrator only: every change.</summary>
    public const string Administer = "admin.administer";

    /// <summary>Administrator or auditor: the audit trail.</summary>
    public const string Audit = "admin.audit";

    /// <summary>Any signed-in account, whatever its role: who am I, change my password, sign out.</summary>
    public const string SignedIn = "admin.signed-in";
}

/// <summary>
/// A feature's administration endpoints. Each feature folder implements this once and registers it in its own
/// <c>AddXxx()</c> (<c>services.AddSingleton&lt;IAdminEndpoints, RuleEndpoints&gt;()</c>); the administration module
/// maps every registered one under <c>/api</c>, behind authentication, so Program.cs and the web module never list them.
/// </summary>
public interface IAdminEndpoints
{
    /// <summary>Maps the feature's endpoints on <paramref name="api"/> (the <c>/api</c> group). Each names a policy of <see cref="AdminPolicies"/>.</summary>
    void Map(Microsoft.AspNetCore.Routing.RouteGroupBuilder api);
}

/// <summary>Who acts through the administration API, as the audit trail records it.</summary>
public static class ActingUser
{
    /// <summary>The name recorded in the audit trail: the user name, or "api-key:&lt;name&gt;"; "unknown" when the identity has none.</summary>
    public static string Actor(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.Name is { Length: > 0 } name ? name : "unknown";
    }
}
