namespace DicomGateway.Notifications;

/// <summary>
/// What a recipient is told about a sealed shipment. It carries nothing from the study (no patient, no description):
/// a message cannot disclose what it was never given.
/// </summary>
public sealed record ShipmentNotice
{
    public required long ShipmentId { get; init; }
    public required long RecipientId { get; init; }

    /// <summary>The short shipment reference, e.g. "K7M2-9QXD".</summary>
    public required string Reference { get; init; }

    public string? Email { get; init; }
    public string? Phone { get; init; }

    /// <summary>cs, pl or en; anything else gets Mail:DefaultLanguage.</summary>
    public required string Language { get; init; }

    /// <summary>SECRET: https://host/s/#&lt;T&gt;.&lt;E&gt;. Goes only into the e-mail.</summary>
    public required string Link { get; init; }

    /// <summary>SECRET: the SMS code S (8 characters). Goes only into the SMS.</summary>
    public required string Code { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }
    public required int InstanceCount { get; init; }
    public required long TotalBytes { get; init; }
    public string? SenderName { get; init; }
    public string? SenderOrganisation { get; init; }

    /// <summary>Keeps the link and the code out of logs and exception messages that format the record.</summary>
    public override string ToString() => $"ShipmentNotice {{ ShipmentId = {ShipmentId}, RecipientId = {RecipientId}, Reference = {Reference} }}";
}

public enum SenderNoticeKind
{
    /// <summary>A recipient opened the shipment for the first time.</summary>
    Opened,

    /// <summary>The shipment expired without any recipient opening it.</summary>
    ExpiredUnopened,
}

public enum CodeResendResult
{
    Queued,

    /// <summary>Sms:MaxResendsPerHour resends of this shipment's code in the last hour already.</summary>
    RateLimited,

    /// <summary>The recipient has no phone number (or one that is not a valid number).</summary>
    NoPhone,

    /// <summary>No such recipient.</summary>
    NotFound,

    /// <summary>The shipment is no longer active or its code was erased: there is nothing to resend.</summary>
    NotActive,
}

/// <summary>What came of asking for a recipient's shipment e-mail to be tried now.</summary>
public enum EmailRetryResult
{
    /// <summary>It was waiting for a retry and is due now.</summary>
    Queued,

    /// <summary>The recipient had no e-mail announcement.</summary>
    NoEmail,

    AlreadySent,

    /// <summary>It failed for good, or was cancelled when its shipment ended, and its link was erased.</summary>
    FailedForGood,

    /// <summary>An attempt is under way.</summary>
    Sending,
}

/// <summary>One delivery as the administration page lists it: what, to whom (recipient id), its state and attempts; never its content.</summary>
public sealed record DeliveryRecord(long Id, long? RecipientId, string Channel, string Kind, string State, long Attempts, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? SentAt);
