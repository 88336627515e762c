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
