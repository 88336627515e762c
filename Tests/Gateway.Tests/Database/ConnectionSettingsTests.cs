using Dapper;
using Gateway.Tests.Support;

namespace Gateway.Tests.Database;

/// <summary>The durability settings hold on every connection the pool hands out, the first and the reused ones.</summary>
public sealed class ConnectionSettingsTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Every_connection_has_synchronous_full_secure_delete_and_the_write_ahead_log()
    {
        for (var i = 0; i < 3; i++)
        {
            // Two open at once: the pool must create a second underlying connection, then reuse both.
            await using var first = await _db.Database.OpenAsync();
            await using var second = await _db.Database.OpenAsync();
            foreach (var connection in new[] { first, second })
            {
                (await connection.ExecuteScalarAsync<long>("PRAGMA synchronous")).Should().Be(2, "2 is FULL");
                (await connection.ExecuteScalarAsync<long>("PRAGMA secure_delete")).Should().Be(1);
                (await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode")).Should().Be("wal");
                (await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys")).Should().Be(1);
            }
        }
    }
}
