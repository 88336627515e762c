namespace DicomGateway.Health;

/// <summary>
/// The answer of /readyz: "ok" or a short reason per check. Reasons name a condition, never a patient, a shipment, a
/// path or an address, because the endpoint is unauthenticated.
/// </summary>
public sealed record ReadinessReport(IReadOnlyDictionary<string, string> Checks)
{
    public const string Ok = "ok";

    public bool Ready => Checks.Values.All(v => v == Ok);

    public string Status => Ready ? "ready" : "not-ready";
}

/// <summary>The names of the checks, as they appear in the JSON body.</summary>
public static class ReadinessChecks
{
    public const string Database = "database";
    public const string DataDirectory = "dataDirectory";
    public const string FreeSpace = "freeSpace";
    public const string GatewayKey = "gatewayKey";
    public const string DicomListener = "dicomListener";
    public const string Queues = "queues";
}
