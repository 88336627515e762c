using System.Collections.Frozen;
using Dapper;
using DicomGateway.Database;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Routing;

/// <summary>
/// The routing rules in the database, and an in-memory snapshot of them for the hot paths: the DICOM listener asks
/// <see cref="CalledAeTitles"/> on every association request, and ingest asks <see cref="EvaluateAsync"/> once per
/// study. Every write validates, commits, then reloads the snapshot; writes are serialised so that snapshots are
/// published in commit order.
/// </summary>
public sealed partial class RuleStore
{
    internal const string SeededKey = "routing.seeded";

    private readonly GatewayDatabase _database;
    private readonly RuleValidator _validator;
    private readonly TimeProvider _time;
    private readonly IOptions<RoutingOptions> _options;
    private readonly ILogger<RuleStore> _logger;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private volatile Snapshot? _snapshot;

    public RuleStore(GatewayDatabase database, RuleValidator validator, TimeProvider time, IOptions<RoutingOptions> options, ILogger<RuleStore> logger)
    {
        _database = database;
        _validator = validator;
        _time = time;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Every called AE title that some enabled rule names (trimmed, case-sensitive). Empty until the snapshot is loaded
    /// (<see cref="RoutingSeeder"/> does that at start, before the listener runs).
    /// </summary>
    public IReadOnlySet<string> CalledAeTitles => _snapshot?.CalledAeTitles ?? FrozenSet<string>.Empty;

    /// <summary>All rules in evaluation order, as stored (defaults not applied: null means "the configured default").</summary>
    public async Task<IReadOnlyList<RoutingRule>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAllAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Validates and inserts a rule (its <see cref="RoutingRule.Id"/> is ignored); returns the new id.</summary>
    /// <exception cref="RuleValidationException">The rule is not valid; the message names the fields.</exception>
    public async Task<long> AddAsync(RoutingRule rule, CancellationToken cancellationToken)
    {
        _validator.EnsureValid(rule);
        return await WriteAsync(async (connection, transaction) =>
        {
            var id = await InsertAsync(connection, transaction, rule, cancellationToken).ConfigureAwait(false);
            LogRuleAdded(id, rule.Name);
            return id;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Validates and replaces the rule with <paramref name="rule"/>'s id; false when there is no such rule.</summary>
    /// <exception cref="RuleValidationException">The rule is not valid; the message names the fields.</exception>
    public async Task<bool> UpdateAsync(RoutingRule rule, CancellationToken cancellationToken)
    {
        _validator.EnsureValid(rule);
        return await WriteAsync(async (connection, transaction) =>
        {
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE routing_rules SET name = @Name, sort_order = @Order, enabled = @Enabled, definition = @Definition, updated_at = @Now WHERE id = @Id",
                new { rule.Id, Name = rule.Name.Trim(), rule.Order, rule.Enabled, Definition = RuleDefinition.FromRule(rule).ToJson(), Now = Now() },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed > 0) LogRuleUpdated(rule.Id, rule.Name);
            return changed > 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a rule; false when there is no such rule. Shipments keep the rule's id and name as history.</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        return await WriteAsync(async (connection, transaction) =>
        {
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM routing_rules WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed > 0) LogRuleDeleted(id);
            return changed > 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Inserts <paramref name="rules"/> (already validated) unless the database was seeded before, and marks it seeded,
    /// in one transaction. False when it had been seeded: the database, not the configuration, holds the rules then.
    /// </summary>
    internal async Task<bool> SeedAsync(IReadOnlyList<RoutingRule> rules, CancellationToken cancellationToken)
    {
        return await WriteAsync(async (connection, transaction) =>
        {
            var seeded = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT value FROM settings WHERE key = @SeededKey", new { SeededKey }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (seeded is not null) return false;
            foreach (var rule in rules)
                await InsertAsync(connection, transaction, rule, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO settings (key, value) VALUES (@SeededKey, @Value)",
                new { SeededKey, Value = _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reloads the snapshot from the database.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>
    /// The rules this study matches, with defaults applied (recipient language, expiry days). Reads the snapshot only;
    /// the first call loads it if <see cref="LoadAsync"/> has not run.
    /// </summary>
    public async Task<RoutingDecision> EvaluateAsync(RoutingInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var snapshot = _snapshot;
        if (snapshot is null)
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            snapshot = _snapshot!;
        }
        return RuleEvaluator.Evaluate(snapshot.Rules, input);
    }

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            T result;
            await using (var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false))
            {
                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                result = await write(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _writes.Release();
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rules = await ReadAllAsync(connection, cancellationToken).ConfigureAwait(false);
        var options = _options.Value;
        var effective = rules.Select(r => WithDefaults(r, options)).ToList();
        var called = rules.Where(r => r.Enabled && r.Match.CalledAeTitle is not null).Select(r => r.Match.CalledAeTitle!.Trim()).ToFrozenSet(StringComparer.Ordinal);
        _snapshot = new Snapshot(RuleEvaluator.Compile(effective), called);
        LogSnapshotLoaded(rules.Count, rules.Count(r => r.Enabled));
    }

    private static RoutingRule WithDefaults(RoutingRule rule, RoutingOptions options) => rule with
    {
        ExpiryDays = rule.ExpiryDays ?? options.DefaultExpiryDays,
        Recipients = [.. rule.Recipients.Select(r => r.Language is null ? r with { Language = options.DefaultLanguage } : r)],
    };

    private async Task<long> InsertAsync(SqliteConnection connection, SqliteTransaction transaction, RoutingRule rule, CancellationToken cancellationToken)
    {
        var now = Now();
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO routing_rules (name, sort_order, enabled, definition, created_at, updated_at) VALUES (@Name, @Order, @Enabled, @Definition, @Now, @Now) RETURNING id",
            new { Name = rule.Name.Trim(), rule.Order, rule.Enabled, Definition = RuleDefinition.FromRule(rule).ToJson(), Now = now },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<RoutingRule>> ReadAllAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<RuleRow>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, sort_order AS SortOrder, enabled AS Enabled, definition AS Definition FROM routing_rules ORDER BY sort_order, id",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => RuleDefinition.FromJson(r.Definition).ToRule(r.Id, r.Name, checked((int)r.SortOrder), r.Enabled != 0))];
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed record Snapshot(IReadOnlyList<CompiledRule> Rules, FrozenSet<string> CalledAeTitles);

    private sealed class RuleRow
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public long SortOrder { get; set; }
        public long Enabled { get; set; }
        public string Definition { get; set; } = "";
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Routing rule {RuleId} \"{RuleName}\" added")]
    private partial void LogRuleAdded(long ruleId, string ruleName);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Routing rule {RuleId} \"{RuleName}\" updated")]
    private partial void LogRuleUpdated(long ruleId, string ruleName);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Routing rule {RuleId} deleted")]
    private partial void LogRuleDeleted(long ruleId);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "Routing rules loaded: {Count} rules, {Enabled} enabled")]
    private partial void LogSnapshotLoaded(int count, int enabled);
}
