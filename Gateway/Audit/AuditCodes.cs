namespace DicomGateway.Audit;

/// <summary>
/// Event IDs of the DICOM audit messages (PS3.15 A.5.3, codes of PS3.16 CID 400 "Audit Event ID", coding scheme DCM).
/// Stored as the code string in <c>audit_events.event_id</c>.
/// </summary>
public static class AuditEventIds
{
    /// <summary>Application Activity: the gateway (or an application it hosts) started or stopped.</summary>
    public const string ApplicationActivity = "110100";

    /// <summary>DICOM Instances Accessed: instances were created, read, updated or deleted without being transferred.</summary>
    public const string InstancesAccessed = "110103";

    /// <summary>DICOM Instances Transferred: instances were sent or received (a recipient's download, a C-STORE).</summary>
    public const string InstancesTransferred = "110104";

    /// <summary>DICOM Study Deleted: a study's data was erased.</summary>
    public const string StudyDeleted = "110105";

    /// <summary>Export: data left the control of the system, e.g. a shipment made available to recipients outside the hospital.</summary>
    public const string Export = "110106";

    /// <summary>Import: data was brought in from outside the system's control.</summary>
    public const string Import = "110107";

    /// <summary>Patient Record: a patient record was created, read, updated or deleted.</summary>
    public const string PatientRecord = "110110";

    /// <summary>Query: a query was received (C-FIND, a search of the administration page).</summary>
    public const string Query = "110112";

    /// <summary>Security Alert: a security-relevant event, e.g. a locked shipment after wrong codes, a configuration change.</summary>
    public const string SecurityAlert = "110113";

    /// <summary>User Authentication: a user tried to log on or off (event type 110122 Login / 110123 Logout).</summary>
    public const string UserAuthentication = "110114";

    private static readonly Dictionary<string, string> Meanings = new(StringComparer.Ordinal)
    {
        [ApplicationActivity] = "Application Activity",
        [InstancesAccessed] = "DICOM Instances Accessed",
        [InstancesTransferred] = "DICOM Instances Transferred",
        [StudyDeleted] = "DICOM Study Deleted",
        [Export] = "Export",
        [Import] = "Import",
        [PatientRecord] = "Patient Record",
        [Query] = "Query",
        [SecurityAlert] = "Security Alert",
        [UserAuthentication] = "User Authentication",
    };

    /// <summary>The code meaning as PS3.16 spells it; null for a code not listed here.</summary>
    public static string? Meaning(string code) => Meanings.GetValueOrDefault(code);

    public static bool IsKnown(string code) => Meanings.ContainsKey(code);
}

/// <summary>Event type codes (PS3.16 CID 401 "Audit Event Type Code" and others, scheme DCM) that refine an event ID.</summary>
public static class AuditEventTypes
{
    /// <summary>Application Start (with 110100).</summary>
    public const string ApplicationStart = "110120";

    /// <summary>Application Stop (with 110100).</summary>
    public const string ApplicationStop = "110121";

    /// <summary>Login (with 110114).</summary>
    public const string Login = "110122";

    /// <summary>Logout (with 110114).</summary>
    public const string Logout = "110123";

    /// <summary>
    /// Node Authentication (with 110113): a peer is not who it would have to be, e.g. an unknown calling AE title, or
    /// more instances of a sealed study from a sender other than the study's original one.
    /// </summary>
    public const string NodeAuthentication = "110126";

    /// <summary>Security Configuration (with 110113): e.g. routing rules changed.</summary>
    public const string SecurityConfiguration = "110129";

    /// <summary>Software Configuration (with 110113).</summary>
    public const string SoftwareConfiguration = "110131";

    /// <summary>Use of Restricted Function (with 110113): e.g. wrong unlock codes.</summary>
    public const string UseOfRestrictedFunction = "110132";

    private static readonly Dictionary<string, string> Meanings = new(StringComparer.Ordinal)
    {
        [ApplicationStart] = "Application Start",
        [ApplicationStop] = "Application Stop",
        [Login] = "Login",
        [Logout] = "Logout",
        [NodeAuthentication] = "Node Authentication",
        [SecurityConfiguration] = "Security Configuration",
        [SoftwareConfiguration] = "Software Configuration",
        [UseOfRestrictedFunction] = "Use of Restricted Function",
    };

    public static string? Meaning(string code) => Meanings.GetValueOrDefault(code);
}

/// <summary>EventActionCode (PS3.15 A.5.1): what the event did to the data. Stored as its letter.</summary>
public enum AuditAction
{
    /// <summary>C: create.</summary>
    Create = 'C',

    /// <summary>R: read, view, print, query.</summary>
    Read = 'R',

    /// <summary>U: update.</summary>
    Update = 'U',

    /// <summary>D: delete.</summary>
    Delete = 'D',

    /// <summary>E: execute, for events that are none of the above (a login, an export).</summary>
    Execute = 'E',
}

/// <summary>EventOutcomeIndicator (PS3.15 A.5.1). Stored as its number.</summary>
public enum AuditOutcome
{
    /// <summary>0: success.</summary>
    Success = 0,

    /// <summary>4: minor failure; the action was refused or failed in a way the system handles (a wrong code).</summary>
    MinorFailure = 4,

    /// <summary>8: serious failure; the action failed unexpectedly.</summary>
    SeriousFailure = 8,

    /// <summary>12: major failure; the system became unavailable.</summary>
    MajorFailure = 12,
}

/// <summary>Who acted. Stored lower-case: 'node', 'recipient', 'administrator', 'gateway'.</summary>
public enum AuditActorKind
{
    /// <summary>A DICOM node (modality, PACS); the actor is its AE title.</summary>
    Node,

    /// <summary>A shipment's recipient; the actor is the recipient id or e-mail.</summary>
    Recipient,

    /// <summary>A person at the administration page; the actor is the user name.</summary>
    Administrator,

    /// <summary>The gateway itself (expiry, erasure, start and stop).</summary>
    Gateway,
}
