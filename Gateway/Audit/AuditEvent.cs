namespace DicomGateway.Audit;

/// <summary>
/// One event to record. <see cref="Detail"/> is serialised to JSON (at most <see cref="AuditTrail.MaxDetailBytes"/>
/// bytes): what was disclosed, counts, reasons. Never secrets, codes, link tokens or patient names: the patient is
/// <see cref="PatientRef"/>, a keyed hash.
/// </summary>
public sealed record AuditEvent
{
    /// <summary>When it happened; null: now, by the trail's clock.</summary>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>One of <see cref="AuditEventIds"/>.</summary>
    public required string EventId { get; init; }

    /// <summary>Optional refinement, one of <see cref="AuditEventTypes"/> (e.g. 110122 Login with 110114).</summary>
    public string? EventType { get; init; }

    public required AuditAction Action { get; init; }

    public AuditOutcome Outcome { get; init; } = AuditOutcome.Success;

    public required AuditActorKind ActorKind { get; init; }

    /// <summary>AE title, recipient id, user name or "gateway".</summary>
    public required string Actor { get; init; }

    /// <summary>The actor's network address, when it came over the network.</summary>
    public string? ActorAddress { get; init; }

    public long? StudyId { get; init; }

    public long? ShipmentId { get; init; }

    public long? RecipientId { get; init; }

    /// <summary>Keyed hash of the Patient ID (as in <c>studies.patient_ref</c>).</summary>
    public byte[]? PatientRef { get; init; }

    public object? Detail { get; init; }
}

/// <summary>A recorded event as read back. <see cref="Detail"/> is the stored JSON.</summary>
public sealed record AuditRecord
{
    public long Id { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public required string EventId { get; init; }
    public string? EventType { get; init; }
    public AuditAction Action { get; init; }
    public AuditOutcome Outcome { get; init; }
    public AuditActorKind ActorKind { get; init; }
    public required string Actor { get; init; }
    public string? ActorAddress { get; init; }
    public long? StudyId { get; init; }
    public long? ShipmentId { get; init; }
    public long? RecipientId { get; init; }
    public byte[]? PatientRef { get; init; }
    public string? Detail { get; init; }
}

/// <summary>
/// Filters for <see cref="AuditTrail.QueryAsync"/>, <see cref="AuditTrail.CountAsync"/> and <see cref="AuditTrail.StreamAsync"/>; all
/// optional, combined with AND. <see cref="From"/> is inclusive,
/// <see cref="To"/> exclusive. Results come newest first, <see cref="Limit"/> at a time after skipping <see cref="Offset"/>.
/// </summary>
public sealed record AuditQuery
{
    public const int MaxLimit = 1000;

    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? EventId { get; init; }
    public long? StudyId { get; init; }
    public long? ShipmentId { get; init; }
    public byte[]? PatientRef { get; init; }
    public string? Actor { get; init; }
    public AuditActorKind? ActorKind { get; init; }
    public AuditOutcome? Outcome { get; init; }
    public int Offset { get; init; }
    public int Limit { get; init; } = 100;
}
