using DicomGateway.Routing;
using DicomGateway.Studies;

namespace DicomGateway.Shipments;

/// <summary>What routing (or an administrator) decided for a study, in the sealer's terms.</summary>
public sealed record SealPlan(RoutingDisposition Disposition, IReadOnlyList<ShipmentTarget> Ships, IReadOnlyList<ForwardPlan> Forwards, DiscardPlan? Discard)
{
    /// <summary>Why the study is held, when <see cref="Disposition"/> is <see cref="RoutingDisposition.Held"/>.</summary>
    public HoldReason HoldReason { get; init; } = HoldReason.NoRule;

    /// <summary>Who sent a follow-up held for <see cref="HoldReason.SenderChanged"/>, for the security alert.</summary>
    public SenderMismatch? SenderMismatch { get; init; }

    public static SealPlan Held(HoldReason reason) => new(RoutingDisposition.Held, [], [], null) { HoldReason = reason };
}

/// <summary>A follow-up generation's senders that are not the study's original sender.</summary>
public sealed record SenderMismatch(StudySender Original, IReadOnlyList<StudySender> Others);

/// <summary>A shipment to create: one per ship action of a matched rule, or the one an administrator addressed.</summary>
public sealed record ShipmentTarget(long? RuleId, string? RuleName, int ExpiryDays, int? MaxDownloads, string? NotifyEmail, string? SenderName,
    string? SenderOrganisation, IReadOnlyList<(string? Email, string? Phone, string Language)> Recipients)
{
    public static ShipmentTarget From(ShipPlan ship) => new(ship.RuleId, ship.RuleName, ship.ExpiryDays, ship.MaxDownloads, ship.NotifyEmail, ship.SenderName,
        ship.SenderOrganisation, [.. ship.Recipients.Select(r => (r.Email, r.Phone, r.Language))]);
}
