using System.Text.RegularExpressions;

namespace Gateway.Tests.Architecture;

/// <summary>
/// Each table has one owner, and only the owner's code names it in SQL; other modules ask the owner. A new table is
/// given an owner here and in docs/architecture.md before it is used.
/// </summary>
public sealed partial class TableOwnershipTests
{
    /// <summary>Table to owning feature folder. This mirrors docs/architecture.md: change both together.</summary>
    private static readonly Dictionary<string, string> Owners = new(StringComparer.Ordinal)
    {
        ["studies"] = "Studies",
        ["instances"] = "Studies",
        ["shipments"] = "Shipments",
        ["recipients"] = "Shipments",
        ["deliveries"] = "Notifications",
        ["forwards"] = "Forwarding",
        ["nodes"] = "Nodes",
        ["storage_commitments"] = "Commitment",
        ["routing_rules"] = "Routing",
        ["settings"] = "Routing",
        ["contacts"] = "AddressBook",
        ["audit_events"] = "Audit",
        ["audit_export"] = "Audit",
        ["gateway_key"] = "Crypto",
        ["accounts"] = "Administration",
        ["api_keys"] = "Administration",
    };

    [Fact]
    public void Every_table_of_the_schema_has_an_owner()
    {
        var migrations = RepositoryRoot.Combine("Gateway", "Database", "Migrations");
        var tables = Directory.EnumerateFiles(migrations, "*.sql").SelectMany(f => CreateTable().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)).ToList();

        tables.Should().NotBeEmpty("the schema is where the test looks for it");
        tables.Where(t => !Owners.ContainsKey(t)).Should().BeEmpty("a new table is given an owner here and in docs/architecture.md");
    }

    [Fact]
    public void Only_a_tables_owner_names_it_in_sql()
    {
        var trespasses = from file in GatewaySource.ReadAll()
                         from line in file.Text.Split('\n').Select((text, index) => (Text: text, Number: index + 1))
                         where !line.Text.TrimStart().StartsWith("//", StringComparison.Ordinal)
                         from Match m in SqlTable().Matches(line.Text)
                         let table = m.Groups[1].Value
                         where Owners.TryGetValue(table, out var owner) && owner != file.Folder
                         select $"{file.Path}:{line.Number} names {table}, which {Owners[table]} owns";
        string.Join(Environment.NewLine, trespasses).Should().BeEmpty("other modules call a table's owner instead of writing its SQL");
    }

    [Fact]
    public void The_sql_scanner_finds_tables_after_from_into_update_and_join()
    {
        var found = SqlTable().Matches("SELECT a FROM studies s JOIN instances i ON 1; INSERT INTO forwards (x); UPDATE nodes SET y = 1; DELETE FROM contacts")
            .Select(m => m.Groups[1].Value);
        found.Should().Equal("studies", "instances", "forwards", "nodes", "contacts");
        GatewaySource.ReadAll().SelectMany(f => SqlTable().Matches(f.Text)).Should().NotBeEmpty("the Gateway's SQL is where the test looks for it");
    }

    [GeneratedRegex(@"\b(?:FROM|INTO|UPDATE|JOIN)\s+([a-z_]+)\b")]
    private static partial Regex SqlTable();

    [GeneratedRegex(@"CREATE TABLE\s+([a-z_]+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateTable();
}
