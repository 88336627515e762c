namespace DicomGateway.Commitment;

/// <summary>
/// Delivery of storage commitment reports on a new association (section <see cref="SectionName"/>), for requesters
/// that released their association before the report: the requester's node registry entry gives host and port.
/// </summary>
public sealed class StorageCommitmentOptions
{
    public const string SectionName = "Dicom:StorageCommitment";

    /// <summary>How often the stored requests are looked at for a due delivery.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The wait after the first failed delivery; it doubles with each failure up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryMax { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Deliveries tried on new associations before the request is given up (audited as a failure, deleted).</summary>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>Bounds each wait on the requester: the association, the N-EVENT-REPORT-RSP.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Validate()
    {
        if (PollInterval <= TimeSpan.Zero || RetryBase <= TimeSpan.Zero || ResponseTimeout <= TimeSpan.Zero)
            yield return "PollInterval, RetryBase and ResponseTimeout must be positive";
        if (RetryMax < RetryBase)
            yield return "RetryMax must be at least RetryBase";
        if (MaxAttempts < 1)
            yield return "MaxAttempts must be at least 1";
    }
}
