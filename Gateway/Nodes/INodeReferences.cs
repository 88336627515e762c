using Microsoft.Data.Sqlite;

namespace DicomGateway.Nodes;

/// <summary>
/// Modules above the registry that use a node (the forwarding queue: forwards to it not yet ended) say so here, so
/// that a node in use is not deleted. Read in the caller's transaction, so a use added meanwhile is seen.
/// </summary>
public interface INodeReferences
{
    /// <summary>Why the node cannot be deleted, for the administrator; null when this module does not use it.</summary>
    Task<string?> InUseAsync(SqliteConnection connection, SqliteTransaction transaction, long nodeId, CancellationToken cancellationToken);
}
