using System.Collections.Frozen;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Nodes;

/// <summary>
/// The known DICOM nodes (table <c>nodes</c>), and an in-memory snapshot of the AE titles allowed to send, which the
/// DICOM listener asks at every association (<see cref="AcceptsCallingAeTitle"/>): no database query per association.
/// Every write validates, commits with its audit event, then reloads the snapshot; writes are serialised so that
/// snapshots are published in commit order. Also the node directory routing uses (<see cref="INodeDirectory"/>).
/// </summary>
public sealed partial class NodeStore(GatewayDatabase database, IEnumerable<INodeReferences> users, AuditTrail audit, TimeProvider time, ILogger<NodeStore> logger)
    : INodeDirectory
{
    private const string Columns =
        "id AS Id, name AS Name, ae_title AS AeTitle, host AS Host, port AS Port, allowed_to_send AS AllowedToSend, forward_destination AS ForwardDestination, " +
        "description AS Description, last_echo_at AS LastEchoAt, last_echo_ok AS LastEchoOk, last_echo_message AS LastEchoMessage";

    private readonly SnapshotWrites _writes = new(database);
    private volatile FrozenSet<string>? _allowedToSend;
    private volatile SenderAddresses _senders = SenderAddresses.None;

    /// <summary>
    /// The listener's "registered node" test, which decides who may use the association slots kept for nodes: true
    /// when a node allowed to send has <paramref name="callingAeTitle"/> (trimmed) as AE title and its host is
    /// <paramref name="remote"/> (a host name counts with the addresses it resolved to when the registry was loaded).
    /// Answered from the snapshot: no database query or name lookup per association.
    /// </summary>
    public bool IsRegisteredNode(string callingAeTitle, System.Net.IPAddress? remote)
    {
        ArgumentNullException.ThrowIfNull(callingAeTitle);
        return remote is not null && _senders.Contains(callingAeTitle.Trim(' '), remote);
    }

    /// <summary>
    /// The listener's calling AE title check: true when no node is allowed to send (no allow-list: everyone may send)
    /// or when <paramref name="callingAeTitle"/> (trimmed) is the AE title of a node allowed to
    /// send. False until the snapshot is loaded (<see cref="LoadAsync"/>, run at start before the listener).
    /// </summary>
    public bool AcceptsCallingAeTitle(string callingAeTitle)
    {
        ArgumentNullException.ThrowIfNull(callingAeTitle);
        var allowed = _allowedToSend;
        if (allowed is null) return false;
        return allowed.Count == 0 || allowed.Contains(callingAeTitle.Trim(' '));
    }

    /// <summary>Reloads the allow-list snapshot from the database.</summary>
    public Task LoadAsync(CancellationToken cancellationToken) => _writes.LoadAsync(RefreshAsync, cancellationToken);

    public async Task<IReadOnlyList<Node>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM nodes ORDER BY name, id", cancellationToken: cancellationToken))
            .ConfigureAwait(false);
        return [.. rows.Select(r => r.ToNode())];
    }

    public async Task<Node?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM nodes WHERE id = @id", new { id },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToNode();
    }

    /// <inheritdoc />
    public async Task<ForwardNode?> GetForwardDestinationAsync(long nodeId, CancellationToken cancellationToken)
    {
        var node = await GetAsync(nodeId, cancellationToken).ConfigureAwait(false);
        return node is { ForwardDestination: true } ? new ForwardNode(node.Id, node.Name, node.AeTitle, node.Host, node.Port) : null;
    }

    /// <summary>Validates and inserts a node; returns its id.</summary>
    /// <exception cref="NodeValidationException">The node is not valid, or another node has its AE title.</exception>
    public async Task<long> AddAsync(NodeInput input, string actor, CancellationToken cancellationToken)
    {
        var node = Validate(input);
        return await WriteAsync(async (connection, transaction) =>
        {
            await EnsureUniqueAsync(connection, transaction, node.AeTitle!, null, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
                INSERT INTO nodes (name, ae_title, host, port, allowed_to_send, forward_destination, description, created_at, updated_at)
                VALUES (@Name, @AeTitle, @Host, @Port, @AllowedToSend, @ForwardDestination, @Description, @now, @now)
                RETURNING id
                """, new { node.Name, node.AeTitle, node.Host, node.Port, node.AllowedToSend, node.ForwardDestination, node.Description, now },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await audit.RecordAsync(connection, transaction, Changed(AuditAction.Create, actor, "node added", id, node), cancellationToken).ConfigureAwait(false);
            LogAdded(id, node.AeTitle!, actor);
            return id;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Validates and replaces the node <paramref name="id"/>; false when there is no such node.</summary>
    /// <exception cref="NodeValidationException">The node is not valid, or another node has its AE title.</exception>
    public async Task<bool> UpdateAsync(long id, NodeInput input, string actor, CancellationToken cancellationToken)
    {
        var node = Validate(input);
        return await WriteAsync(async (connection, transaction) =>
        {
            await EnsureUniqueAsync(connection, transaction, node.AeTitle!, id, cancellationToken).ConfigureAwait(false);
            var changed = await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE nodes SET name = @Name, ae_title = @AeTitle, host = @Host, port = @Port, allowed_to_send = @AllowedToSend,
                                 forward_destination = @ForwardDestination, description = @Description, updated_at = @now
                WHERE id = @id
                """, new { id, node.Name, node.AeTitle, node.Host, node.Port, node.AllowedToSend, node.ForwardDestination, node.Description,
                now = time.GetUtcNow().ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed == 0) return false;
            await audit.RecordAsync(connection, transaction, Changed(AuditAction.Update, actor, "node changed", id, node), cancellationToken).ConfigureAwait(false);
            LogUpdated(id, node.AeTitle!, actor);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a node; false when there is no such node.</summary>
    /// <exception cref="NodeInUseException">A routing rule forwards to it, or a queued, sending or failed forward uses it.</exception>
    public async Task<bool> DeleteAsync(long id, string actor, CancellationToken cancellationToken)
    {
        return await WriteAsync(async (connection, transaction) =>
        {
            var node = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM nodes WHERE id = @id", new { id },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (node is null) return false;
            foreach (var user in users)
            {
                if (await user.InUseAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false) is { } reason)
                    throw new NodeInUseException(reason);
            }
            var rules = await RulesForwardingTo.NodeAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
            if (rules.Count > 0)
                throw new NodeInUseException($"Routing rules forward to this node: {string.Join(", ", rules)}; change them first");
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM nodes WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken))
                .ConfigureAwait(false);
            await audit.RecordAsync(connection, transaction, Changed(AuditAction.Delete, actor, "node deleted", id, node.ToInput()), cancellationToken).ConfigureAwait(false);
            LogDeleted(id, node.AeTitle, actor);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records the outcome of a C-ECHO test (no audit: it changes nothing but this note).</summary>
    internal async Task RecordEchoAsync(long id, bool ok, string message, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE nodes SET last_echo_at = @at, last_echo_ok = @ok, last_echo_message = @message WHERE id = @id",
            new { id, ok, message, at = time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static NodeInput Validate(NodeInput input)
    {
        var (valid, errors) = NodeValidator.Check(input);
        return valid ?? throw new NodeValidationException(errors);
    }

    private static async Task EnsureUniqueAsync(SqliteConnection connection, SqliteTransaction transaction, string aeTitle, long? id, CancellationToken cancellationToken)
    {
        var other = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT name FROM nodes WHERE ae_title = @aeTitle AND id IS NOT @id", new { aeTitle, id }, transaction, cancellationToken: cancellationToken))
            .ConfigureAwait(false);
        if (other is not null)
            throw new NodeValidationException(new Dictionary<string, string[]> { ["aeTitle"] = [$"The node '{other}' already has this AE title"] });
    }

    private static AuditEvent Changed(AuditAction action, string actor, string what, long id, NodeInput node) => new()
    {
        EventId = AuditEventIds.SecurityAlert,
        EventType = AuditEventTypes.SecurityConfiguration,
        Action = action,
        ActorKind = AuditActorKind.Administrator,
        Actor = string.IsNullOrWhiteSpace(actor) ? "unknown" : actor,
        Detail = new { what, nodeId = id, node.Name, node.AeTitle, node.Host, node.Port, node.AllowedToSend, node.ForwardDestination },
    };

    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> write, CancellationToken cancellationToken) =>
        _writes.WriteAsync(write, RefreshAsync, cancellationToken);

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var senders = (await connection.QueryAsync<(string AeTitle, string Host)>(new CommandDefinition(
            "SELECT ae_title, host FROM nodes WHERE allowed_to_send = 1", cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        _allowedToSend = senders.Select(s => s.AeTitle).ToFrozenSet(StringComparer.Ordinal);
        _senders = await SenderAddresses.ResolveAsync(senders, cancellationToken).ConfigureAwait(false);
    }

    private sealed class Row
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string AeTitle { get; init; } = "";
        public string Host { get; init; } = "";
        public long Port { get; init; }
        public bool AllowedToSend { get; init; }
        public bool ForwardDestination { get; init; }
        public string? Description { get; init; }
        public long? LastEchoAt { get; init; }
        public bool? LastEchoOk { get; init; }
        public string? LastEchoMessage { get; init; }

        public Node ToNode() => new()
        {
            Id = Id,
            Name = Name,
            AeTitle = AeTitle,
            Host = Host,
            Port = (int)Port,
            AllowedToSend = AllowedToSend,
            ForwardDestination = ForwardDestination,
            Description = Description,
            LastEcho = LastEchoAt is { } at ? new NodeEchoRecord(DateTimeOffset.FromUnixTimeMilliseconds(at), LastEchoOk == true, LastEchoMessage) : null,
        };

        public NodeInput ToInput() => new()
        {
            Name = Name, AeTitle = AeTitle, Host = Host, Port = (int)Port, AllowedToSend = AllowedToSend, ForwardDestination = ForwardDestination,
            Description = Description,
        };
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Node {NodeId} ({AeTitle}) added by {Actor}")]
    private partial void LogAdded(long nodeId, string aeTitle, string actor);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "Node {NodeId} ({AeTitle}) changed by {Actor}")]
    private partial void LogUpdated(long nodeId, string aeTitle, string actor);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Information, Message = "Node {NodeId} ({AeTitle}) deleted by {Actor}")]
    private partial void LogDeleted(long nodeId, string aeTitle, string actor);
}
