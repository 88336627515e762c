using DicomGateway.Routing;

namespace DicomGateway.Shipments;

/// <summary>What routing (or an administrator) decided for a study, in the sealer's terms.</summary>
public sealed record SealPlan(RoutingDisposition Disposition, IReadOnlyList<ShipmentTarget> Ships, IReadOnlyList<ForwardPlan> Forwards, DiscardPlan? Discard)
{
    public static SealPlan Held { get; } = new(RoutingDisposition.Held, [], [], null);
}

/// <summary>A shipment to create: one per ship action of a matched rule, or per shipment of the previous generation.</summary>
public sealed record ShipmentTarget(long? RuleId, string? RuleName, int ExpiryDays, int? MaxDownloads, string? NotifyEmail, string? SenderName,
    string? SenderOrganisation, IReadOnlyList<(string? Email, string? Phone, string Language)> Recipients)
{
    public static ShipmentTarget From(ShipPlan ship) => new(ship.RuleId, ship.RuleName, ship.ExpiryDays, ship.MaxDownloads, ship.NotifyEmail, ship.SenderName,
        ship.SenderOrganisation, [.. ship.Recipients.Select(r => (r.Email, r.Phone, r.Language))]);
}
