namespace DicomGateway.Routing;

/// <summary>A DICOM node that studies can be forwarded to (the node registry's view, for routing).</summary>
/// <param name="Tls">The node is called over DICOM TLS.</param>
public sealed record ForwardNode(long Id, string Name, string AeTitle, string Host, int Port, bool Tls = false);

/// <summary>
/// The node registry as routing sees it: validation checks that a forward action names a forward destination, and a
/// dry run shows its name. Implemented by the node registry (Nodes/); without one, no node exists.
/// </summary>
public interface INodeDirectory
{
    /// <summary>The node with this id if it exists and is marked as a forward destination; otherwise null.</summary>
    Task<ForwardNode?> GetForwardDestinationAsync(long nodeId, CancellationToken cancellationToken);
}

/// <summary>A study the gateway can still read, offered for a dry run.</summary>
public sealed record DryRunStudy(long StudyId, string State, string CallingAeTitle, string CalledAeTitle, DateTimeOffset ReceivedAt, int InstanceCount);

/// <summary>
/// Reads what routing needs from studies the gateway can still read (receiving, held, or waiting to be forwarded):
/// after sealing only recipients can read a study, so sealed studies are not offered. Implemented by Shipments/.
/// </summary>
public interface IStudyHeaders
{
    Task<IReadOnlyList<DryRunStudy>> ListReadableAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The routing input of a readable study (association data and its first instance's header); null when it is not
    /// readable. Reading it is an access to the patient's data, audited with <paramref name="actor"/> (an administrator).
    /// </summary>
    Task<RoutingInput?> ReadAsync(long studyId, string actor, string? actorAddress, CancellationToken cancellationToken);
}

/// <summary>The node directory until the node registry registers its own: no node exists, so no forward action validates.</summary>
internal sealed class NoNodeDirectory : INodeDirectory
{
    public Task<ForwardNode?> GetForwardDestinationAsync(long nodeId, CancellationToken cancellationToken) => Task.FromResult<ForwardNode?>(null);
}

/// <summary>The study reader until the shipments work registers its own: no study can be read for a dry run.</summary>
internal sealed class NoStudyHeaders : IStudyHeaders
{
    public Task<IReadOnlyList<DryRunStudy>> ListReadableAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<DryRunStudy>>([]);

    public Task<RoutingInput?> ReadAsync(long studyId, string actor, string? actorAddress, CancellationToken cancellationToken) => Task.FromResult<RoutingInput?>(null);
}
