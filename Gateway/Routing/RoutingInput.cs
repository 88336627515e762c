using DicomKit.Data;

namespace DicomGateway.Routing;

/// <summary>What routing knows about a study: the association it came on, when, and the header of one of its instances.</summary>
public sealed record RoutingInput
{
    public required string CallingAeTitle { get; init; }

    public required string CalledAeTitle { get; init; }

    /// <summary>The peer's IP address ("10.0.0.5", "::ffff:10.0.0.5"); null or unparsable matches no source address condition.</summary>
    public string? RemoteAddress { get; init; }

    /// <summary>When the study was received; time windows are evaluated on it. Null: now, by the store's clock.</summary>
    public DateTimeOffset? ReceivedAt { get; init; }

    public required DicomDataset Header { get; init; }
}
