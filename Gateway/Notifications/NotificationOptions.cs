namespace DicomGateway.Notifications;

/// <summary>The delivery queue. Bound from the "Notifications" section of appsettings.json.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>IANA time zone in which dates appear in messages ("until when it can be opened").</summary>
    public string TimeZone { get; set; } = "Europe/Prague";

    /// <summary>How often the dispatcher looks for due deliveries when nothing wakes it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The first retry waits up to this long; each further one up to twice as long (full jitter).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>No retry waits longer than this.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>After this many attempts a delivery fails for good (audited, logged as a warning).</summary>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>
    /// Lets the gateway start with an https Web:PublicBaseUrl while the mail outbox (no Mail:Host) or the SMS outbox
    /// (Sms:Provider = Outbox) is in effect. The outbox files hold recipients' links and codes in clear, so outbox mode
    /// is for trying the gateway out; an https address says the deployment is real.
    /// </summary>
    public bool AllowOutboxWithSecrets { get; set; }

    internal IEnumerable<string> Validate()
    {
        if (!TryFindTimeZone(TimeZone, out _)) yield return $"Notifications:TimeZone '{TimeZone}' is not a known time zone";
        if (PollInterval <= TimeSpan.Zero) yield return "Notifications:PollInterval must be positive";
        if (RetryBaseDelay <= TimeSpan.Zero) yield return "Notifications:RetryBaseDelay must be positive";
        if (RetryMaxDelay < RetryBaseDelay) yield return "Notifications:RetryMaxDelay must be at least RetryBaseDelay";
        if (MaxAttempts < 1) yield return "Notifications:MaxAttempts must be at least 1";
    }

    internal static bool TryFindTimeZone(string id, out TimeZoneInfo zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            zone = TimeZoneInfo.Utc;
            return false;
        }
    }
}
