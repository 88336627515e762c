namespace DicomGateway.Administration;

/// <summary>
/// The roles of the administration accounts (and of API keys). An account has one or more of them.
/// </summary>
public static class AdminRoles
{
    /// <summary>Configures everything: rules, nodes, the address book, accounts, API keys; revokes and extends shipments.</summary>
    public const string Administrator = "administrator";

    /// <summary>Views shipments, rules, nodes, held studies, the forwarding queue and statistics; resends notifications.</summary>
    public const string Operator = "operator";

    /// <summary>Reads the audit trail only (with its CSV export and the patient disclosure lookup).</summary>
    public const string Auditor = "auditor";

    public static IReadOnlyList<string> All { get; } = [Administrator, Operator, Auditor];
}

/// <summary>
/// Authorization policy names for the <c>/api</c> endpoints. Every administration endpoint names exactly one of them;
/// an endpoint without one is refused by the fallback policy (authenticated, any role) and flagged by the tests.
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
