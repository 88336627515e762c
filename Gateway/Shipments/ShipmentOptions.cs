namespace DicomGateway.Shipments;

/// <summary>How studies become shipments and how long shipments live. Bound from the "Shipments" section.</summary>
public sealed class ShipmentOptions
{
    public const string Section = "Shipments";

    /// <summary>A study is complete, and sealed, when no instance of it has arrived for this many seconds.</summary>
    public int StableStudySeconds { get; set; } = 60;

    /// <summary>Wrong codes tolerated per shipment; the next wrong code locks it.</summary>
    public int MaxCodeAttempts { get; set; } = 5;

    /// <summary>How often expired, revoked and exhausted shipments are looked for and erased.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A recipient's session after unlocking ends after this long without a request.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    internal IEnumerable<string> Validate()
    {
        if (StableStudySeconds is < 1 or > 86400) yield return "Shipments:StableStudySeconds must be between 1 and 86400";
        if (MaxCodeAttempts is < 1 or > 100) yield return "Shipments:MaxCodeAttempts must be between 1 and 100";
        if (SweepInterval < TimeSpan.FromMilliseconds(100) || SweepInterval > TimeSpan.FromHours(1)) yield return "Shipments:SweepInterval must be between 00:00:00.1 and 01:00:00";
        if (SessionIdleTimeout < TimeSpan.FromMinutes(1) || SessionIdleTimeout > TimeSpan.FromHours(12)) yield return "Shipments:SessionIdleTimeout must be between 00:01:00 and 12:00:00";
    }
}
