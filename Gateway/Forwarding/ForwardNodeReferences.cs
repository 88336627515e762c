using Dapper;
using DicomGateway.Nodes;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Forwarding;

/// <summary>A node with forwards to it queued, sending or failed (an administrator may retry a failed one) is in use.</summary>
public sealed class ForwardNodeReferences : INodeReferences
{
    public async Task<string?> InUseAsync(SqliteConnection connection, SqliteTransaction transaction, long nodeId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var pending = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM forwards WHERE node_id = @nodeId AND state IN " + ForwardStates.PendingSql, new { nodeId }, transaction,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return pending > 0 ? $"{pending} forward(s) to this node are queued, sending or failed; cancel them (or let them finish) first" : null;
    }
}
