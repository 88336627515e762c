using Microsoft.Data.Sqlite;

namespace DicomGateway.AddressBook;

/// <summary>
/// What names a contact elsewhere, so that a contact in use is not deleted. Routing implements it (its rules' ship
/// actions name contacts); read in the caller's transaction, so a rule saved meanwhile is seen.
/// </summary>
public interface IContactReferences
{
    /// <summary>The rules (id, name) that name the contact.</summary>
    Task<IReadOnlyList<(long Id, string Name)>> RulesNamingAsync(SqliteConnection connection, SqliteTransaction transaction, long contactId, CancellationToken cancellationToken);
}

/// <summary>Without routing, nothing names a contact.</summary>
internal sealed class NoContactReferences : IContactReferences
{
    public Task<IReadOnlyList<(long Id, string Name)>> RulesNamingAsync(SqliteConnection connection, SqliteTransaction transaction, long contactId,
        CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<(long Id, string Name)>>([]);
}
