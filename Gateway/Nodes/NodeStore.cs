using System.Collections.Frozen;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Routing;
using DicomKit.Network;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Nodes;

/// <summary>
/// The known DICOM nodes (table <c>nodes</c>), and an in-memory snapshot of the nodes allowed to send and their calling
/// addresses, which the DICOM listener asks at every association (<see cref="IdentifyCallerAsync"/>): no database query
/// per association.
/// Every write validates, commits with its audit event, then reloads the snapshot; writes are serialised so that
/// snapshots are published in commit order. Also the node directory routing uses (<see cref="INodeDirectory"/>).
/// </summary>
public sealed partial class NodeStore(GatewayDatabase database, IEnumerable<INodeReferences> users, AuditTrail audit, TimeProvider time, ILogger<NodeStore> logger)
    : INodeDirectory
{
    private const string Columns =
        "id AS Id, name AS Name, ae_title AS AeTitle, host AS Host, port AS Port, allowed_to_send AS AllowedToSend, forward_destination AS ForwardDestination, " +
        "description AS Description, calling_addresses AS CallingAddresses, transfer_syntaxes AS TransferSyntaxes, tls AS Tls, " +
        "certificate_thumbprint AS CertificateThumbprint, certificate_subject AS CertificateSubject, certificate_issuer AS CertificateIssuer, " +
        "seal_on_commitment AS SealOnCommitment, last_echo_at AS LastEchoAt, last_echo_ok AS LastEchoOk, last_echo_message AS LastEchoMessage";

    private readonly SnapshotWrites _writes = new(database);
    private volatile Snapshot? _snapshot;

    /// <summary>A node allowed to send, as the listener checks it: the networks and host names it may call from.</summary>
    private sealed record Caller(IReadOnlyList<IPNetwork> Networks, IReadOnlyList<string> HostNames, NodeCertificate? Certificate);

    private sealed record Snapshot(FrozenDictionary<string, Caller> AllowedToSend, FrozenDictionary<string, IReadOnlyList<string>> TransferSyntaxes);


    /// <summary>The addresses the host names among the sending nodes' calling addresses resolved to at the last load.</summary>
    private volatile SenderAddresses _resolvedHostNames = SenderAddresses.None;

    /// <summary>Whether at least one node is allowed to send, so that the registry is an allow-list. False until loaded.</summary>
    public bool HasAllowList => _snapshot is { AllowedToSend.Count: > 0 };

    /// <summary>
    /// The listener's "registered node" test, which decides who may use the association slots kept for nodes: true
    /// when a node allowed to send has <paramref name="callingAeTitle"/> (trimmed) as AE title and <paramref name="remote"/>
    /// is one of its calling addresses (a host name counts with the addresses it resolved to when the registry was
    /// loaded). Answered from the snapshot: no database query or name lookup per association.
    /// </summary>
    public bool IsRegisteredNode(string callingAeTitle, IPAddress? remote)
    {
        ArgumentNullException.ThrowIfNull(callingAeTitle);
        if (remote is null || _snapshot is not { } snapshot) return false;
        var title = callingAeTitle.Trim(' ');
        if (!snapshot.AllowedToSend.TryGetValue(title, out var caller)) return false;
        var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        return caller.Networks.Any(n => n.Contains(address)) || _resolvedHostNames.Contains(title, address);
    }

    /// <summary>
    /// The listener's caller check (<see cref="DicomListenerOptions.IdentifyCaller"/>): a node allowed to send with
    /// <paramref name="callingAeTitle"/> (trimmed, compared exactly) is <see cref="CallerStatus.Allowed"/> from one of
    /// its calling addresses (the node's host when none are listed) and <see cref="CallerStatus.WrongAddress"/> from any
    /// other; another title is <see cref="CallerStatus.NotListed"/> while some node is allowed to send, else
    /// <see cref="CallerStatus.Unknown"/>. Not listed until the snapshot is loaded (<see cref="LoadAsync"/>, run at start
    /// before the listener). Host names are resolved within <see cref="SenderAddresses.LookupTimeout"/>.
    /// A node with a certificate requirement, from an allowed address, is then <see cref="CallerStatus.CertificateMissing"/>
    /// without <paramref name="certificate"/> (plain DICOM, or TLS without a client certificate) and
    /// <see cref="CallerStatus.WrongCertificate"/> with a certificate that does not match.
    /// </summary>
    public async ValueTask<CallerStatus> IdentifyCallerAsync(string callingAeTitle, IPAddress? address, X509Certificate2? certificate,
        CancellationToken cancellationToken)
    {
        var status = await IdentifyAddressAsync(callingAeTitle, address, cancellationToken).ConfigureAwait(false);
        if (status != CallerStatus.Allowed || _snapshot?.AllowedToSend.GetValueOrDefault(callingAeTitle.Trim(' '))?.Certificate is not { } required)
            return status;
        if (certificate is null) return CallerStatus.CertificateMissing;
        return required.Matches(certificate) ? CallerStatus.Allowed : CallerStatus.WrongCertificate;
    }

    private async ValueTask<CallerStatus> IdentifyAddressAsync(string callingAeTitle, IPAddress? address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callingAeTitle);
        var snapshot = _snapshot;
        if (snapshot is null) return CallerStatus.NotListed;
        if (!snapshot.AllowedToSend.TryGetValue(callingAeTitle.Trim(' '), out var caller))
            return snapshot.AllowedToSend.Count > 0 ? CallerStatus.NotListed : CallerStatus.Unknown;
        if (address is null) return CallerStatus.WrongAddress;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (caller.Networks.Any(n => n.Contains(address))) return CallerStatus.Allowed;
        foreach (var host in caller.HostNames)
        {
            if ((await ResolveAsync(host, cancellationToken).ConfigureAwait(false)).Any(a => (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(address)))
                return CallerStatus.Allowed;
        }
        return CallerStatus.WrongAddress;
    }

    /// <summary>The transfer syntax preference of the node with <paramref name="callingAeTitle"/>, or null for the listener's.</summary>
    public IReadOnlyList<string>? TransferSyntaxesFor(string callingAeTitle)
    {
        ArgumentNullException.ThrowIfNull(callingAeTitle);
        return _snapshot?.TransferSyntaxes.GetValueOrDefault(callingAeTitle.Trim(' '));
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = await SenderAddresses.AddressesOfAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0) LogUnresolved(host);
        return addresses;
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
        return node is { ForwardDestination: true } ? new ForwardNode(node.Id, node.Name, node.AeTitle, node.Host, node.Port, node.Tls) : null;
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
                INSERT INTO nodes (name, ae_title, host, port, allowed_to_send, forward_destination, description, calling_addresses, transfer_syntaxes,
                                   tls, certificate_thumbprint, certificate_subject, certificate_issuer, seal_on_commitment, created_at, updated_at)
                VALUES (@Name, @AeTitle, @Host, @Port, @AllowedToSend, @ForwardDestination, @Description, @callingAddresses, @transferSyntaxes,
                        @Tls, @CertificateThumbprint, @CertificateSubject, @CertificateIssuer, @SealOnCommitment, @now, @now)
                RETURNING id
                """, new { node.Name, node.AeTitle, node.Host, node.Port, node.AllowedToSend, node.ForwardDestination, node.Description,
                node.Tls, node.CertificateThumbprint, node.CertificateSubject, node.CertificateIssuer, node.SealOnCommitment,
                callingAddresses = ToJson(node.CallingAddresses), transferSyntaxes = ToJson(node.TransferSyntaxes), now },
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
                                 forward_destination = @ForwardDestination, description = @Description, calling_addresses = @callingAddresses,
                                 transfer_syntaxes = @transferSyntaxes, tls = @Tls, certificate_thumbprint = @CertificateThumbprint,
                                 certificate_subject = @CertificateSubject, certificate_issuer = @CertificateIssuer,
                                 seal_on_commitment = @SealOnCommitment, updated_at = @now
                WHERE id = @id
                """, new { id, node.Name, node.AeTitle, node.Host, node.Port, node.AllowedToSend, node.ForwardDestination, node.Description,
                node.Tls, node.CertificateThumbprint, node.CertificateSubject, node.CertificateIssuer, node.SealOnCommitment,
                callingAddresses = ToJson(node.CallingAddresses), transferSyntaxes = ToJson(node.TransferSyntaxes),
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
        Detail = new
        {
            what, nodeId = id, node.Name, node.AeTitle, node.Host, node.Port, node.AllowedToSend, node.ForwardDestination, node.CallingAddresses,
            node.TransferSyntaxes, node.Tls, node.CertificateThumbprint, node.CertificateSubject, node.CertificateIssuer, node.SealOnCommitment,
        },
    };

    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> write, CancellationToken cancellationToken) =>
        _writes.WriteAsync(write, RefreshAsync, cancellationToken);

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM nodes", cancellationToken: cancellationToken))
            .ConfigureAwait(false)).ToList();
        _snapshot = new Snapshot(
            rows.Where(r => r.AllowedToSend).ToFrozenDictionary(r => r.AeTitle, r => ToCaller(r.ToNode()), StringComparer.Ordinal),
            rows.Select(r => r.ToNode()).Where(n => n.TransferSyntaxes.Count > 0)
                .ToFrozenDictionary(n => n.AeTitle, n => n.TransferSyntaxes, StringComparer.Ordinal));
        _resolvedHostNames = await SenderAddresses.ResolveAsync(
            _snapshot.AllowedToSend.SelectMany(n => n.Value.HostNames.Select(h => (AeTitle: n.Key, Host: h))), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A node's calling addresses, parsed once per snapshot: each is a network (an address is a /32 or /128) or a host name.</summary>
    private static Caller ToCaller(Node node)
    {
        var networks = new List<IPNetwork>();
        var hostNames = new List<string>();
        foreach (var entry in node.CallingAddresses.Count > 0 ? node.CallingAddresses : [node.Host])
        {
            if (IPNetwork.TryParse(entry, out var network)) networks.Add(network);
            else if (IPAddress.TryParse(entry, out var ip)) networks.Add(new IPNetwork(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else hostNames.Add(entry);
        }
        return new Caller(networks, hostNames, NodeCertificate.Of(node.CertificateThumbprint, node.CertificateSubject, node.CertificateIssuer));
    }

    private static string? ToJson(IReadOnlyList<string>? values) => values is { Count: > 0 } ? JsonSerializer.Serialize(values) : null;

    private static IReadOnlyList<string> FromJson(string? json) => json is null ? [] : JsonSerializer.Deserialize<string[]>(json) ?? [];

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
        public string? CallingAddresses { get; init; }
        public string? TransferSyntaxes { get; init; }
        public bool Tls { get; init; }
        public string? CertificateThumbprint { get; init; }
        public string? CertificateSubject { get; init; }
        public string? CertificateIssuer { get; init; }
        public bool SealOnCommitment { get; init; } = true;
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
            CallingAddresses = FromJson(CallingAddresses),
            TransferSyntaxes = FromJson(TransferSyntaxes),
            Tls = Tls,
            CertificateThumbprint = CertificateThumbprint,
            CertificateSubject = CertificateSubject,
            CertificateIssuer = CertificateIssuer,
            SealOnCommitment = SealOnCommitment,
            LastEcho = LastEchoAt is { } at ? new NodeEchoRecord(DateTimeOffset.FromUnixTimeMilliseconds(at), LastEchoOk == true, LastEchoMessage) : null,
        };

        public NodeInput ToInput() => new()
        {
            Name = Name, AeTitle = AeTitle, Host = Host, Port = (int)Port, AllowedToSend = AllowedToSend, ForwardDestination = ForwardDestination,
            Description = Description, CallingAddresses = FromJson(CallingAddresses), TransferSyntaxes = FromJson(TransferSyntaxes),
            Tls = Tls, CertificateThumbprint = CertificateThumbprint, CertificateSubject = CertificateSubject, CertificateIssuer = CertificateIssuer,
            SealOnCommitment = SealOnCommitment,
        };
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Node {NodeId} ({AeTitle}) added by {Actor}")]
    private partial void LogAdded(long nodeId, string aeTitle, string actor);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "Node {NodeId} ({AeTitle}) changed by {Actor}")]
    private partial void LogUpdated(long nodeId, string aeTitle, string actor);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Warning, Message = "The calling address {Host} of a node does not resolve; callers are not matched against it")]
    private partial void LogUnresolved(string host);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Information, Message = "Node {NodeId} ({AeTitle}) deleted by {Actor}")]
    private partial void LogDeleted(long nodeId, string aeTitle, string actor);
}
