using DicomGateway.Hosting;

namespace DicomGateway.Forwarding;

/// <summary>The forwarding queue. Bound from the "Forwarding" section of appsettings.json.</summary>
public sealed class ForwardingOptions
{
    public const string Section = "Forwarding";

    /// <summary>The first retry waits about this long (seconds); each further one about twice as long, up to <see cref="MaxRetrySeconds"/>.</summary>
    public double InitialRetrySeconds { get; set; } = 10;

    /// <summary>No retry waits longer than this (seconds).</summary>
    public double MaxRetrySeconds { get; set; } = 900;

    /// <summary>After this many attempts a forward fails for good (audited; an administrator can retry it).</summary>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>How often the worker looks for due forwards when nothing wakes it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Bounds association setup and each answer from the destination (A-ASSOCIATE-AC, C-STORE-RSP, A-RELEASE-RP).</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A forward that has been failed this long is cancelled by the gateway (audited), and its study's key erased, so
    /// a failed forward does not keep a study readable indefinitely. An administrator's retry within this time restarts it.
    /// </summary>
    public TimeSpan FailedRetention { get; set; } = TimeSpan.FromDays(30);

    internal IEnumerable<string> Validate()
    {
        if (FailedRetention <= TimeSpan.Zero) yield return "Forwarding:FailedRetention must be positive";
        if (!(InitialRetrySeconds > 0)) yield return "Forwarding:InitialRetrySeconds must be positive";
        if (!(MaxRetrySeconds >= InitialRetrySeconds)) yield return "Forwarding:MaxRetrySeconds must be at least InitialRetrySeconds";
        if (MaxAttempts < 1) yield return "Forwarding:MaxAttempts must be at least 1";
        if (PollInterval <= TimeSpan.Zero) yield return "Forwarding:PollInterval must be positive";
        if (ResponseTimeout <= TimeSpan.Zero) yield return "Forwarding:ResponseTimeout must be positive";
    }

    /// <summary>
    /// The wait after the <paramref name="attempts"/>-th failed attempt: min(cap, initial × 2^(attempts-1)), less up to a
    /// fifth at random, so that forwards that failed together (the destination was down) do not return in one burst,
    /// while each wait stays longer than the one before until the cap.
    /// </summary>
    public TimeSpan RetryDelay(long attempts, Random? random = null) =>
        new Backoff(TimeSpan.FromSeconds(InitialRetrySeconds), TimeSpan.FromSeconds(MaxRetrySeconds), Jitter: 0.2).Delay(attempts, random);
}
