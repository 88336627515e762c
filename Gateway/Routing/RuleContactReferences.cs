using Dapper;
using DicomGateway.AddressBook;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Routing;

/// <summary>The rules whose ship actions name a contact, for the address book's refusal to delete a contact in use.</summary>
public sealed class RuleContactReferences : IContactReferences
{
    public async Task<IReadOnlyList<(long Id, string Name)>> RulesNamingAsync(SqliteConnection connection, SqliteTransaction transaction, long contactId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var rows = await connection.QueryAsync<(long Id, string Name, string Definition)>(new CommandDefinition(
            "SELECT id, name, definition FROM routing_rules ORDER BY sort_order, id", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows
            .Where(r => RuleDefinition.FromJson(r.Definition).Actions.OfType<ShipAction>().Any(s => (s.Recipients ?? []).Any(p => p?.ContactId == contactId)))
            .Select(r => (r.Id, r.Name))];
    }
}
