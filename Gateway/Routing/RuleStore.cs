using System.Collections.Frozen;
using System.Globalization;
using Dapper;
using DicomGateway.AddressBook;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Routing;

/// <summary>
/// The routing rules in the database, and an in-memory snapshot of them, compiled, for the hot paths: the DICOM
/// listener asks <see cref="AnswersToCalledAeTitle"/> on every association request, and ingest asks
/// <see cref="EvaluateAsync"/> once per study. Every write validates, commits with its audit event, then reloads the
/// snapshot; writes are serialised so that snapshots are published in commit order.
/// </summary>
public sealed partial class RuleStore
{
    internal const string SeededKey = "routing.seeded";

    /// <summary>Orders given by <see cref="ReorderAsync"/> (and to seeded rules) are this far apart, leaving room between them.</summary>
    public const int OrderStep = 10;

    private readonly GatewayDatabase _database;
    private readonly RuleValidator _validator;
    private readonly ContactStore _contacts;
    private readonly INodeDirectory _nodes;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly IOptions<RoutingOptions> _options;
    private readonly ILogger<RuleStore> _logger;
    private readonly SnapshotWrites _writes;
    private volatile Snapshot? _snapshot;

    public RuleStore(GatewayDatabase database, RuleValidator validator, ContactStore contacts, INodeDirectory nodes, AuditTrail audit, TimeProvider time,
        IOptions<RoutingOptions> options, ILogger<RuleStore> logger)
    {
        _database = database;
        _writes = new SnapshotWrites(database);
        _validator = validator;
        _contacts = contacts;
        _nodes = nodes;
        _audit = audit;
        _time = time;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Whether the listener should accept an association called <paramref name="aeTitle"/> (compared trimmed and
    /// case-sensitively): true when a called AE title condition of an enabled rule, anywhere in it, accepts the title
    /// by equality, wildcard or regular expression. False until the snapshot is loaded (<see cref="RoutingSeeder"/>
    /// does that at start, before the listener runs). Allocates nothing.
    /// </summary>
    public bool AnswersToCalledAeTitle(string aeTitle)
    {
        if (aeTitle is null || _snapshot is not { } snapshot) return false;
        var title = aeTitle.AsSpan().Trim();
        if (snapshot.CalledExact.Contains(title)) return true;
        foreach (var pattern in snapshot.CalledPatterns)
        {
            if (pattern.IsMatch(title)) return true;
        }
        return false;
    }

    /// <summary>All rules in evaluation order, as stored (defaults not applied: null means "the configured default").</summary>
    public async Task<IReadOnlyList<RoutingRule>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAllAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RoutingRule?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadOneAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every problem of a rule: its content (<see cref="RuleValidator"/>), and whether the DICOM nodes of its forward
    /// actions are forward destinations and the contacts it names are in the address book.
    /// </summary>
    public async Task<IReadOnlyList<FieldError>> ValidateAsync(RoutingRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var errors = _validator.Validate(rule).ToList();
        var directory = await _contacts.GetDirectoryAsync(cancellationToken).ConfigureAwait(false);
        var actions = rule.Actions ?? [];
        for (var i = 0; i < actions.Count; i++)
        {
            switch (actions[i])
            {
                case ForwardAction { NodeId: > 0 } forward:
                    if (await _nodes.GetForwardDestinationAsync(forward.NodeId, cancellationToken).ConfigureAwait(false) is null)
                        errors.Add(new FieldError($"actions[{i}].nodeId", $"names no DICOM node that is a forward destination ({forward.NodeId})"));
                    break;
                case ShipAction ship:
                    var recipients = ship.Recipients ?? [];
                    for (var j = 0; j < recipients.Count; j++)
                    {
                        if (recipients[j]?.ContactId is > 0 and var contactId && directory.Find(contactId) is null)
                            errors.Add(new FieldError($"actions[{i}].recipients[{j}].contactId", $"names no contact in the address book ({contactId})"));
                    }
                    break;
            }
        }
        return errors;
    }

    /// <summary>
    /// Validates and inserts a rule (its <see cref="RoutingRule.Id"/> is ignored; an <see cref="RoutingRule.Order"/> of 0
    /// or less puts it last); returns the new id.
    /// </summary>
    /// <exception cref="RuleValidationException">The rule is not valid; <see cref="RuleValidationException.Errors"/> names the fields.</exception>
    public async Task<long> AddAsync(RoutingRule rule, string actor, CancellationToken cancellationToken)
    {
        await EnsureValidAsync(rule, cancellationToken).ConfigureAwait(false);
        return await WriteAsync(async (connection, transaction) =>
        {
            var order = rule.Order;
            if (order <= 0)
            {
                var last = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    "SELECT max(sort_order) FROM routing_rules", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                order = checked((int)(last ?? 0) + OrderStep);
            }
            var id = await InsertAsync(connection, transaction, rule with { Order = order }, cancellationToken).ConfigureAwait(false);
            await AuditAsync(connection, transaction, AuditAction.Create, actor, "routing rule added", id, rule.Name, Summary(rule), cancellationToken).ConfigureAwait(false);
            LogRuleAdded(id, rule.Name);
            return id;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Validates and replaces the rule with <paramref name="rule"/>'s id; false when there is no such rule.</summary>
    /// <exception cref="RuleValidationException">The rule is not valid; <see cref="RuleValidationException.Errors"/> names the fields.</exception>
    public async Task<bool> UpdateAsync(RoutingRule rule, string actor, CancellationToken cancellationToken)
    {
        await EnsureValidAsync(rule, cancellationToken).ConfigureAwait(false);
        return await WriteAsync(async (connection, transaction) =>
        {
            var before = await ReadOneAsync(connection, transaction, rule.Id, cancellationToken).ConfigureAwait(false);
            if (before is null) return false;
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE routing_rules SET name = @Name, sort_order = @Order, enabled = @Enabled, definition = @Definition, updated_at = @Now WHERE id = @Id",
                new { rule.Id, Name = rule.Name.Trim(), rule.Order, rule.Enabled, Definition = RuleDefinition.FromRule(rule).ToJson(), Now = Now() },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AuditAsync(connection, transaction, AuditAction.Update, actor, "routing rule changed", rule.Id, rule.Name, Changes(before, rule), cancellationToken)
                .ConfigureAwait(false);
            LogRuleUpdated(rule.Id, rule.Name);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a rule; false when there is no such rule. Shipments keep the rule's id and name as history.</summary>
    public async Task<bool> DeleteAsync(long id, string actor, CancellationToken cancellationToken)
    {
        return await WriteAsync(async (connection, transaction) =>
        {
            var name = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT name FROM routing_rules WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (name is null) return false;
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM routing_rules WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AuditAsync(connection, transaction, AuditAction.Delete, actor, "routing rule deleted", id, name, null, cancellationToken).ConfigureAwait(false);
            LogRuleDeleted(id, name);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts the rules in the order of <paramref name="ids"/>, which must name every rule once: orders become 10, 20, 30 ...</summary>
    /// <exception cref="RuleValidationException">The ids are not exactly the rules' ids (field "ids").</exception>
    public async Task ReorderAsync(IReadOnlyList<long> ids, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await WriteAsync(async (connection, transaction) =>
        {
            var existing = (await connection.QueryAsync<long>(new CommandDefinition(
                "SELECT id FROM routing_rules", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet();
            if (ids.Count != existing.Count || ids.Distinct().Count() != ids.Count || !ids.All(existing.Contains))
            {
                var error = new FieldError("ids", $"must list every rule exactly once ({existing.Count} rules)");
                throw new RuleValidationException("The new order does not list every rule exactly once", [error]);
            }
            var now = Now();
            for (var i = 0; i < ids.Count; i++)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE routing_rules SET sort_order = @order, updated_at = @now WHERE id = @id AND sort_order <> @order",
                    new { id = ids[i], order = (i + 1) * OrderStep, now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            await AuditAsync(connection, transaction, AuditAction.Update, actor, "routing rules reordered", null, null, [.. ids.Select(i => i.ToString(CultureInfo.InvariantCulture))],
                cancellationToken).ConfigureAwait(false);
            LogRulesReordered(ids.Count);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Switches a rule on or off; false when there is no such rule.</summary>
    public async Task<bool> SetEnabledAsync(long id, bool enabled, string actor, CancellationToken cancellationToken)
    {
        return await WriteAsync(async (connection, transaction) =>
        {
            var name = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT name FROM routing_rules WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (name is null) return false;
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE routing_rules SET enabled = @enabled, updated_at = @now WHERE id = @id", new { id, enabled, now = Now() }, transaction,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AuditAsync(connection, transaction, AuditAction.Update, actor, enabled ? "routing rule enabled" : "routing rule disabled", id, name, null, cancellationToken)
                .ConfigureAwait(false);
            LogRuleEnabled(id, name, enabled);
            return true;
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
                new { SeededKey, Value = _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (rules.Count > 0)
            {
                await _audit.RecordAsync(connection, transaction, new AuditEvent
                {
                    EventId = AuditEventIds.SecurityAlert,
                    EventType = AuditEventTypes.SecurityConfiguration,
                    Action = AuditAction.Create,
                    ActorKind = AuditActorKind.Gateway,
                    Actor = "gateway",
                    Detail = new { what = "routing rules seeded from configuration", rules = rules.Select(r => r.Name).ToList() },
                }, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reloads the snapshot from the database.</summary>
    public Task LoadAsync(CancellationToken cancellationToken) => _writes.LoadAsync(RefreshAsync, cancellationToken);

    /// <summary>
    /// What becomes of this study under the saved rules, with defaults applied (expiry days, language) and contacts
    /// resolved. Reads the snapshots only; the first call loads them if <see cref="LoadAsync"/> has not run.
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
        return await EvaluateAsync(snapshot.Rules, input, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A dry run: <see cref="EvaluateAsync(RoutingInput, CancellationToken)"/>, but with <paramref name="unsavedRules"/>
    /// instead of the saved rules when given (to try a change before saving it). Nothing is written.
    /// </summary>
    /// <exception cref="RuleValidationException">An unsaved rule is not valid; fields are prefixed "rules[i].".</exception>
    public async Task<RoutingDecision> DryRunAsync(RoutingInput input, IReadOnlyList<RoutingRule>? unsavedRules, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (unsavedRules is null) return await EvaluateAsync(input, cancellationToken).ConfigureAwait(false);
        var errors = new List<FieldError>();
        for (var i = 0; i < unsavedRules.Count; i++)
        {
            if (unsavedRules[i] is null)
            {
                errors.Add(new FieldError($"rules[{i}]", "is empty"));
                continue;
            }
            errors.AddRange(_validator.Validate(unsavedRules[i]).Select(e => e with { Field = $"rules[{i}].{e.Field}" }));
        }
        if (errors.Count > 0) throw new RuleValidationException($"The rules to try are not valid: {string.Join("; ", errors)}", errors);
        return await EvaluateAsync(RuleEvaluator.Compile(unsavedRules), input, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RoutingDecision> EvaluateAsync(IReadOnlyList<CompiledRule> rules, RoutingInput input, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var contacts = await _contacts.GetDirectoryAsync(cancellationToken).ConfigureAwait(false);
        var environment = new EvaluationEnvironment(options.DefaultLanguage, options.DefaultExpiryDays, options.ResolveTimeZone(), _time.GetUtcNow(), contacts);
        return RuleEvaluator.Evaluate(rules, input, environment);
    }

    private async Task EnsureValidAsync(RoutingRule rule, CancellationToken cancellationToken)
    {
        var errors = await ValidateAsync(rule, cancellationToken).ConfigureAwait(false);
        if (errors.Count > 0) throw RuleValidator.Refused(rule, errors);
    }

    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> write, CancellationToken cancellationToken) =>
        _writes.WriteAsync(write, RefreshAsync, cancellationToken);

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rules = await ReadAllAsync(connection, null, cancellationToken).ConfigureAwait(false);
        var compiled = RuleEvaluator.Compile(rules);
        var called = compiled.Where(r => r.Rule.Enabled).SelectMany(r => r.CalledAeTitleConditions()).ToList();
        var exact = called.Where(c => c.Op == ConditionOp.Equal).Select(c => c.Value).ToFrozenSet(StringComparer.Ordinal);
        _snapshot = new Snapshot(compiled, exact.GetAlternateLookup<ReadOnlySpan<char>>(), [.. called.Where(c => c.Op != ConditionOp.Equal)]);
        LogSnapshotLoaded(rules.Count, rules.Count(r => r.Enabled));
    }

    private async Task<long> InsertAsync(SqliteConnection connection, SqliteTransaction transaction, RoutingRule rule, CancellationToken cancellationToken)
    {
        var now = Now();
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO routing_rules (name, sort_order, enabled, definition, created_at, updated_at) VALUES (@Name, @Order, @Enabled, @Definition, @Now, @Now) RETURNING id",
            new { Name = rule.Name.Trim(), rule.Order, rule.Enabled, Definition = RuleDefinition.FromRule(rule).ToJson(), Now = now },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private const string RuleColumns = "id AS Id, name AS Name, sort_order AS SortOrder, enabled AS Enabled, definition AS Definition";

    private static async Task<IReadOnlyList<RoutingRule>> ReadAllAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<RuleRow>(new CommandDefinition(
            $"SELECT {RuleColumns} FROM routing_rules ORDER BY sort_order, id", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRule())];
    }

    private static async Task<RoutingRule?> ReadOneAsync(SqliteConnection connection, SqliteTransaction? transaction, long id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<RuleRow>(new CommandDefinition(
            $"SELECT {RuleColumns} FROM routing_rules WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToRule();
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed record Snapshot(IReadOnlyList<CompiledRule> Rules, FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> CalledExact, CompiledAeTitle[] CalledPatterns);

    private sealed class RuleRow
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public long SortOrder { get; set; }
        public long Enabled { get; set; }
        public string Definition { get; set; } = "";

        public RoutingRule ToRule() => RuleDefinition.FromJson(Definition).ToRule(Id, Name, checked((int)SortOrder), Enabled != 0);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Routing rule {RuleId} \"{RuleName}\" added")]
    private partial void LogRuleAdded(long ruleId, string ruleName);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Routing rule {RuleId} \"{RuleName}\" updated")]
    private partial void LogRuleUpdated(long ruleId, string ruleName);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Routing rule {RuleId} \"{RuleName}\" deleted")]
    private partial void LogRuleDeleted(long ruleId, string ruleName);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "Routing rules loaded: {Count} rules, {Enabled} enabled")]
    private partial void LogSnapshotLoaded(int count, int enabled);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Routing rules reordered ({Count} rules)")]
    private partial void LogRulesReordered(int count);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Routing rule {RuleId} \"{RuleName}\" enabled: {Enabled}")]
    private partial void LogRuleEnabled(long ruleId, string ruleName, bool enabled);
}
