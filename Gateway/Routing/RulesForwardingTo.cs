using Dapper;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Routing;

/// <summary>The rules that forward to a node, for the node registry's refusal to delete a node in use.</summary>
public static class RulesForwardingTo
{
    /// <summary>The names of the rules whose forward actions name <paramref name="nodeId"/>, read in the caller's transaction.</summary>
    public static async Task<IReadOnlyList<string>> NodeAsync(SqliteConnection connection, SqliteTransaction transaction, long nodeId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // A rule's forward action names its node as {"kind":"forward","nodeId":N} in the rule's definition.
        return [.. await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT DISTINCT r.name FROM routing_rules r, json_each(r.definition, '$.actions') a
            WHERE json_extract(a.value, '$.kind') = 'forward' AND json_extract(a.value, '$.nodeId') = @nodeId
            ORDER BY r.name
            """, new { nodeId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }
}
