namespace DicomGateway.Health;

/// <summary>The readiness thresholds. Bound from the "Health" section of appsettings.json.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>How long the database may stay locked (a write transaction cannot begin) before the gateway is not ready.</summary>
    public double DatabaseTimeoutSeconds { get; set; } = 5;

    /// <summary>How long a queued notification or forward may stay overdue, its worker not taking it, before the gateway is not ready.</summary>
    public double QueueStuckMinutes { get; set; } = 15;

    public IEnumerable<string> Validate()
    {
        if (double.IsNaN(DatabaseTimeoutSeconds) || DatabaseTimeoutSeconds is < 0.1 or > 300)
            yield return "Health:DatabaseTimeoutSeconds must be 0.1 to 300";
        if (double.IsNaN(QueueStuckMinutes) || QueueStuckMinutes is < 1 or > 10080)
            yield return "Health:QueueStuckMinutes must be 1 to 10080";
    }
}
