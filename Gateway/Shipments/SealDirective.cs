using DicomGateway.Routing;

namespace DicomGateway.Shipments;

/// <summary>What became of a study the sealer was asked to process.</summary>
public enum SealOutcome { Busy, Sealed, Held, Discarded, Empty, Failed, NotFound }

/// <summary>
/// What to do with a study: route it by the saved rules (what the sealing loop does), or what an administrator
/// decided for a held study (address it to recipients, discard it).
/// </summary>
public abstract record SealDirective
{
    public static SealDirective Route { get; } = new RouteDirective();

    private SealDirective() { }

    public sealed record RouteDirective : SealDirective;

    public sealed record AddressDirective(ShipPlan Ship) : SealDirective;

    public sealed record DiscardDirective(string? Reason) : SealDirective;
}

/// <summary>Who acts, when it is not the gateway itself: the administrator's account name and address.</summary>
public sealed record SealActor(string Name, string? Address);
