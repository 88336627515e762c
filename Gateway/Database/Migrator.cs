using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Database;

/// <summary>
/// Applies the numbered scripts under Database/Migrations (embedded as "Migrations.NNNN_name.sql") in order.
/// The schema version is SQLite's user_version; each script runs in its own transaction together with the
/// version bump, so a crash mid-migration leaves the previous version intact. Scripts are never edited once
/// released: a change is a new script.
/// </summary>
internal static class Migrator
{
    internal static IReadOnlyList<(int Version, string Name)> Scripts { get; } = Discover();

    private static List<(int Version, string Name)> Discover()
    {
        var list = new List<(int, string)>();
        foreach (var name in typeof(Migrator).Assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith("Migrations.", StringComparison.Ordinal) || !name.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var file = name["Migrations.".Length..];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(file.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                throw new InvalidOperationException($"Migration script '{file}' is not named NNNN_description.sql");
            list.Add((version, name));
        }
        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Item1 != i + 1) throw new InvalidOperationException($"Migration scripts must be numbered 1, 2, 3, ... without gaps; found {list[i].Item1} at position {i + 1}");
        }
        return list;
    }

    internal static async Task<(int From, int To)> ApplyAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var current = await UserVersionAsync(connection, cancellationToken).ConfigureAwait(false);
        if (current > Scripts.Count)
            throw new InvalidOperationException($"The database has schema version {current}, newer than this gateway knows ({Scripts.Count}); refusing to run an older gateway on it");
        foreach (var (version, name) in Scripts)
        {
            if (version <= current) continue;
            var sql = ReadScript(name);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = sql + $"\nPRAGMA user_version = {version.ToString(CultureInfo.InvariantCulture)};";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        return (current, Math.Max(current, Scripts.Count));
    }

    internal static async Task<int> UserVersionAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static string ReadScript(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Missing embedded migration {resource}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
