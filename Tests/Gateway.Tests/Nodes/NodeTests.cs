using System.Net;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Nodes;
using DicomGateway.Routing;
using DicomKit.Network;
using Gateway.Tests.Forwarding;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Nodes;

/// <summary>The node registry: validation, the calling AE allow-list at a real listener, and the C-ECHO button against real peers.</summary>
public sealed class NodeTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TestDatabase _db = new();
    private readonly NodeStore _nodes;

    public NodeTests()
    {
        _nodes = new NodeStore(_db.Database, [], new AuditTrail(_db.Database, TimeProvider.System), TimeProvider.System, NullLogger<NodeStore>.Instance);
    }

    public void Dispose() => _db.Dispose();

    /// <summary>The Nodes module as the gateway registers it, over the test database, with the listener options it configures.</summary>
    private ServiceProvider NodeServices() => new ServiceCollection()
        .AddSingleton(_db.Database)
        .AddSingleton(new AuditTrail(_db.Database, TimeProvider.System))
        .AddLogging()
        .AddNodes()
        .BuildServiceProvider();

    private static NodeInput Valid(string aeTitle = "CT1", bool allowedToSend = false, int port = 104) => new()
    {
        Name = "CT scanner", AeTitle = aeTitle, Host = "ct1.hospital.local", Port = port, AllowedToSend = allowedToSend, ForwardDestination = true,
    };

    [Theory]
    [InlineData("aeTitle", "")]
    [InlineData("aeTitle", "        ")]
    [InlineData("aeTitle", "SEVENTEEN_CHARS_X")]
    [InlineData("aeTitle", "BACK\\SLASH")]
    [InlineData("aeTitle", "TAB\tHERE")]
    [InlineData("aeTitle", "PŘÍJEM")]
    [InlineData("host", "")]
    [InlineData("host", "not a host")]
    [InlineData("host", "bad_host!")]
    [InlineData("port", "0")]
    [InlineData("port", "65536")]
    [InlineData("name", " ")]
    public async Task An_invalid_node_is_refused_with_the_field_named(string field, string value)
    {
        var input = field switch
        {
            "aeTitle" => Valid() with { AeTitle = value },
            "host" => Valid() with { Host = value },
            "port" => Valid() with { Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
            _ => Valid() with { Name = value },
        };

        var add = () => _nodes.AddAsync(input, "admin.novak", None);

        var errors = (await add.Should().ThrowAsync<NodeValidationException>()).Which.Errors;
        errors.Keys.Should().Equal(field);
        (await _nodes.ListAsync(None)).Should().BeEmpty();
    }

    [Theory]
    [InlineData(" CT1 ", "CT1")]
    [InlineData("A", "A")]
    [InlineData("SIXTEEN_CHARS_XX", "SIXTEEN_CHARS_XX")]
    [InlineData("MR-2 (old)", "MR-2 (old)")]
    public async Task A_valid_ae_title_is_stored_trimmed(string given, string stored)
    {
        var id = await _nodes.AddAsync(Valid(given) with { Host = "  10.1.2.3 " }, "admin.novak", None);

        var node = (await _nodes.GetAsync(id, None))!;
        node.AeTitle.Should().Be(stored);
        node.Host.Should().Be("10.1.2.3");
        node.LastEcho.Should().BeNull();
    }

    [Fact]
    public async Task Two_nodes_cannot_share_an_ae_title_and_a_node_keeps_its_own_on_update()
    {
        var first = await _nodes.AddAsync(Valid("PACS"), "admin.novak", None);

        var duplicate = () => _nodes.AddAsync(Valid("PACS") with { Name = "Other" }, "admin.novak", None);
        (await duplicate.Should().ThrowAsync<NodeValidationException>()).Which.Errors.Should().ContainKey("aeTitle");

        (await _nodes.UpdateAsync(first, Valid("PACS") with { Port = 11112, Host = "::1" }, "admin.novak", None)).Should().BeTrue();
        (await _nodes.GetAsync(first, None))!.Port.Should().Be(11112);
        (await _nodes.UpdateAsync(first + 100, Valid("X"), "admin.novak", None)).Should().BeFalse();
    }

    [Fact]
    public async Task Changes_are_audited_with_the_administrator_and_a_deleted_node_is_gone()
    {
        var id = await _nodes.AddAsync(Valid("AUDITED"), "admin.novak", None);
        await _nodes.UpdateAsync(id, Valid("AUDITED") with { Port = 4242 }, "admin.dvorak", None);
        (await _nodes.DeleteAsync(id, "admin.novak", None)).Should().BeTrue();
        (await _nodes.DeleteAsync(id, "admin.novak", None)).Should().BeFalse();

        await using var c = await _db.Database.OpenAsync();
        var audit = (await c.QueryAsync<(string EventId, string Action, string Actor, string Detail)>(
            "SELECT event_id, action, actor, detail FROM audit_events ORDER BY id")).ToList();
        audit.Select(a => (a.EventId, a.Action, a.Actor)).Should().Equal(
            (AuditEventIds.SecurityAlert, "C", "admin.novak"), (AuditEventIds.SecurityAlert, "U", "admin.dvorak"), (AuditEventIds.SecurityAlert, "D", "admin.novak"));
        audit[1].Detail.Should().Contain("4242");
        (await _nodes.GetAsync(id, None)).Should().BeNull();
    }

    [Fact]
    public async Task Routing_sees_only_forward_destinations()
    {
        var destination = await _nodes.AddAsync(Valid("DEST"), "admin.novak", None);
        var sender = await _nodes.AddAsync(Valid("SENDER") with { ForwardDestination = false, AllowedToSend = true }, "admin.novak", None);
        INodeDirectory directory = _nodes;

        (await directory.GetForwardDestinationAsync(destination, None)).Should().Be(new ForwardNode(destination, "CT scanner", "DEST", "ct1.hospital.local", 104));
        (await directory.GetForwardDestinationAsync(sender, None)).Should().BeNull();
        (await directory.GetForwardDestinationAsync(12345, None)).Should().BeNull();
    }

    [Fact]
    public async Task A_node_a_routing_rule_forwards_to_cannot_be_deleted()
    {
        var id = await _nodes.AddAsync(Valid("RULED"), "admin.novak", None);
        await using (var c = await _db.Database.OpenAsync())
            await c.ExecuteAsync("""
                INSERT INTO routing_rules (name, sort_order, enabled, definition, created_at, updated_at)
                VALUES ('To the archive', 10, 1, json_object('version', 1, 'actions', json_array(json_object('kind', 'forward', 'nodeId', @id))), 0, 0)
                """, new { id });

        var delete = () => _nodes.DeleteAsync(id, "admin.novak", None);

        (await delete.Should().ThrowAsync<NodeInUseException>()).Which.Message.Should().Contain("To the archive");
    }

    [Fact]
    public async Task The_allow_list_follows_the_nodes_allowed_to_send_and_is_open_when_there_are_none()
    {
        var here = IPAddress.Loopback;
        ValueTask<CallerStatus> Identify(string title, IPAddress? from = null) => _nodes.IdentifyCallerAsync(title, from ?? here, null, None);
        (await Identify("ANYONE")).Should().Be(CallerStatus.NotListed, "until the snapshot is loaded nothing is accepted");
        await _nodes.LoadAsync(None);
        (await Identify("ANYONE")).Should().Be(CallerStatus.Unknown, "no node is allowed to send: no allow-list");
        _nodes.HasAllowList.Should().BeFalse();

        var destinationOnly = await _nodes.AddAsync(Valid("ARCHIVE") with { Host = "127.0.0.1" }, "admin.novak", None);
        (await Identify("ANYONE")).Should().Be(CallerStatus.Unknown, "a forward destination alone does not restrict callers");

        var ct = await _nodes.AddAsync(Valid("CT1", allowedToSend: true) with { Host = "127.0.0.1" }, "admin.novak", None);
        _nodes.HasAllowList.Should().BeTrue();
        (await Identify("CT1")).Should().Be(CallerStatus.Allowed, "the node's host is its calling address by default");
        (await Identify("CT1 ")).Should().Be(CallerStatus.Allowed);
        (await Identify("CT1", IPAddress.Parse("::ffff:127.0.0.1"))).Should().Be(CallerStatus.Allowed, "an IPv4-mapped address is its IPv4 address");
        (await Identify("CT1", IPAddress.Parse("10.1.2.3"))).Should().Be(CallerStatus.WrongAddress);
        (await Identify("ct1")).Should().Be(CallerStatus.NotListed, "AE titles compare exactly");
        (await Identify("ARCHIVE")).Should().Be(CallerStatus.NotListed);
        (await Identify("ANYONE")).Should().Be(CallerStatus.NotListed);

        await _nodes.UpdateAsync(ct, Valid("CT1", allowedToSend: true) with { CallingAddresses = ["10.0.0.0/8", "192.0.2.7", "fd00::/8"] }, "admin.novak", None);
        (await Identify("CT1", IPAddress.Parse("10.1.2.3"))).Should().Be(CallerStatus.Allowed);
        (await Identify("CT1", IPAddress.Parse("192.0.2.7"))).Should().Be(CallerStatus.Allowed);
        (await Identify("CT1", IPAddress.Parse("fd12::1"))).Should().Be(CallerStatus.Allowed);
        (await Identify("CT1", IPAddress.Parse("192.0.2.8"))).Should().Be(CallerStatus.WrongAddress);
        (await Identify("CT1")).Should().Be(CallerStatus.WrongAddress, "listed addresses replace the host");
        (await _nodes.IdentifyCallerAsync("CT1", null, null, None)).Should().Be(CallerStatus.WrongAddress, "an unknown address is no allowed address");
        (await _nodes.GetAsync(ct, None))!.CallingAddresses.Should().Equal("10.0.0.0/8", "192.0.2.7", "fd00::/8");

        await _nodes.DeleteAsync(ct, "admin.novak", None);
        (await Identify("ANYONE")).Should().Be(CallerStatus.Unknown);
        _ = destinationOnly;
    }

    [Fact]
    public async Task A_nodes_transfer_syntax_list_is_the_listeners_preference_for_its_AE_title()
    {
        await _nodes.LoadAsync(None);
        _nodes.TransferSyntaxesFor("CT1").Should().BeNull();
        var id = await _nodes.AddAsync(Valid("CT1") with { TransferSyntaxes = ["1.2.840.10008.1.2.1", "compressed"] }, "admin.novak", None);
        _nodes.TransferSyntaxesFor("CT1").Should().Equal("1.2.840.10008.1.2.1", "compressed");
        _nodes.TransferSyntaxesFor("OTHER").Should().BeNull();
        await _nodes.UpdateAsync(id, Valid("CT1"), "admin.novak", None);
        _nodes.TransferSyntaxesFor("CT1").Should().BeNull("an empty list means the listener's");
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0/")]
    [InlineData("/8")]
    [InlineData("10")]
    [InlineData("10.1")]
    [InlineData("300.1.2.3")]
    [InlineData("fd00::/129")]
    [InlineData("fd00:::1")]
    [InlineData("not a host!")]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_calling_address_that_is_no_address_network_or_host_name_is_refused(string entry)
    {
        var add = () => _nodes.AddAsync(Valid("CT1", allowedToSend: true) with { CallingAddresses = [entry] }, "admin.novak", None);
        (await add.Should().ThrowAsync<NodeValidationException>()).Which.Errors.Should().ContainKey("callingAddresses");
    }

    [Fact]
    public async Task Too_many_calling_addresses_and_unknown_transfer_syntaxes_are_refused()
    {
        var many = Enumerable.Range(1, NodeValidator.MaxCallingAddresses + 1).Select(i => $"192.0.2.{i}").ToArray();
        var tooMany = () => _nodes.AddAsync(Valid("CT1") with { CallingAddresses = many }, "admin.novak", None);
        (await tooMany.Should().ThrowAsync<NodeValidationException>()).Which.Errors.Should().ContainKey("callingAddresses");
        var badSyntax = () => _nodes.AddAsync(Valid("CT1") with { TransferSyntaxes = ["jpeg"] }, "admin.novak", None);
        (await badSyntax.Should().ThrowAsync<NodeValidationException>()).Which.Errors.Should().ContainKey("transferSyntaxes");
    }

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("192.0.2.7")]
    [InlineData("fd00::/8")]
    [InlineData("::1")]
    [InlineData("ct1.hospital.local")]
    [InlineData("pacs")]
    public void A_calling_address_network_or_host_name_is_valid(string entry) =>
        NodeValidator.CallingAddressProblem(entry).Should().BeNull();

    [Fact]
    public async Task A_registered_node_is_its_AE_title_from_its_host_and_only_while_allowed_to_send()
    {
        var loopback = System.Net.IPAddress.Loopback;
        await _nodes.LoadAsync(None);
        _nodes.IsRegisteredNode("CT1", loopback).Should().BeFalse("the registry is empty");

        var ct = await _nodes.AddAsync(Valid("CT1", allowedToSend: true) with { Host = "127.0.0.1" }, "admin.novak", None);
        await _nodes.AddAsync(Valid("MR1", allowedToSend: true) with { Host = "localhost" }, "admin.novak", None);
        await _nodes.AddAsync(Valid("UNRESOLVABLE", allowedToSend: true) with { Host = "no-such-host.invalid" }, "admin.novak", None);
        await _nodes.AddAsync(Valid("ARCHIVE") with { Host = "127.0.0.1" }, "admin.novak", None);

        _nodes.IsRegisteredNode("CT1", loopback).Should().BeTrue();
        _nodes.IsRegisteredNode("CT1 ", loopback.MapToIPv6()).Should().BeTrue("trailing spaces and IPv4-mapped addresses are the same caller");
        _nodes.IsRegisteredNode("CT1", System.Net.IPAddress.Parse("192.0.2.7")).Should().BeFalse("the node's title from another host is a stranger");
        _nodes.IsRegisteredNode("STRANGER", loopback).Should().BeFalse("the node's host with another title is a stranger");
        _nodes.IsRegisteredNode("MR1", loopback).Should().BeTrue("a host name counts with the addresses it resolves to");
        _nodes.IsRegisteredNode("UNRESOLVABLE", loopback).Should().BeFalse();
        _nodes.IsRegisteredNode("ARCHIVE", loopback).Should().BeFalse("a node not allowed to send is not a sender");
        _nodes.IsRegisteredNode("CT1", null).Should().BeFalse();

        await _nodes.DeleteAsync(ct, "admin.novak", None);
        _nodes.IsRegisteredNode("CT1", loopback).Should().BeFalse("the snapshot follows the registry");
    }

    [Fact]
    public async Task The_listener_accepts_only_nodes_allowed_to_send_from_real_echoscu()
    {
        var services = NodeServices();
        await using var _ = services;
        var nodes = services.GetRequiredService<NodeStore>();
        services.GetRequiredService<INodeDirectory>().Should().BeSameAs(nodes);
        await nodes.LoadAsync(None);
        var options = services.GetRequiredService<IOptions<DicomListenerOptions>>().Value;
        options.IdentifyCaller.Should().NotBeNull("AddNodes installs the check on the listener's options");
        options.PreferredTransferSyntaxesFor.Should().NotBeNull();
        options.IsRegisteredNode.Should().NotBeNull("AddNodes tells the listener which callers are registered nodes");
        options.AeTitle = "GATEWAY";
        options.Port = 0;
        options.BindAddress = "127.0.0.1";
        await using var listener = new DicomListener(options, new ScriptedDestination());
        await listener.StartAsync();
        var port = listener.LocalEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Task<ToolResult> Echo(string calling) => ExternalTool.RunAsync("echoscu", ["-v", "-to", "10", "-ta", "10", "-aet", calling, "-aec", "GATEWAY", "127.0.0.1", port], ExternalTool.LongTimeout);

        (await Echo("WHOEVER")).ExitCode.Should().Be(0, "with no node allowed to send, everyone is accepted as before");

        await nodes.AddAsync(Valid("MODALITY1", allowedToSend: true) with { CallingAddresses = ["127.0.0.0/8"] }, "admin.novak", None);

        var allowed = await Echo("MODALITY1");
        allowed.ExitCode.Should().Be(0, allowed.Output);
        var refused = await Echo("WHOEVER");
        refused.ExitCode.Should().NotBe(0);
        refused.Output.Should().Contain("Association Rejected").And.Contain("Calling AE Title Not Recognized");
    }

    [Fact]
    public async Task A_nodes_own_transfer_syntax_list_decides_what_real_storescu_sends_and_others_keep_the_default()
    {
        var services = NodeServices();
        await using var _ = services;
        var nodes = services.GetRequiredService<NodeStore>();
        await nodes.LoadAsync(None);
        await nodes.AddAsync(Valid("CT1") with { Host = "127.0.0.1", TransferSyntaxes = ["1.2.840.10008.1.2"] }, "admin.novak", None);
        var options = services.GetRequiredService<IOptions<DicomListenerOptions>>().Value;
        options.AeTitle = "GATEWAY";
        options.Port = 0;
        options.BindAddress = "127.0.0.1";
        var destination = new ScriptedDestination();
        await using var listener = new DicomListener(options, destination);
        await listener.StartAsync();
        using var scratch = new TempDirectory("gw-ts-");
        var file = Instances.WriteCt(scratch.Path, 1);
        var sop = DicomKit.IO.DicomFile.Open(file).Dataset.GetString(DicomKit.Data.Tags.SOPInstanceUID)!;
        async Task<string> SentAs(string calling)
        {
            // +C: Explicit LE, Explicit BE and Implicit VR LE in one presentation context, so the listener chooses.
            var store = await ExternalTool.RunAsync("storescu", ["+C", "-aet", calling, "-aec", "GATEWAY", "127.0.0.1",
                listener.LocalEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), file], ExternalTool.LongTimeout);
            store.ExitCode.Should().Be(0, store.Output);
            return destination.ReceivedSyntaxes[sop];
        }

        (await SentAs("CT1")).Should().Be("1.2.840.10008.1.2", "CT1's own list prefers Implicit VR LE, and storescu converts to it");
        (await SentAs("OTHER")).Should().Be("1.2.840.10008.1.2.1", "other callers keep the listener's default");
    }

    [Fact]
    public async Task The_echo_button_reaches_a_real_storescp_and_records_the_result()
    {
        using var scratch = new TempDirectory("gw-echo-");
        using var peer = await StorescpPeer.StartAsync(scratch.Path);
        var id = await _nodes.AddAsync(Valid(StorescpPeer.AeTitle, port: peer.Port) with { Host = "127.0.0.1" }, "admin.novak", None);

        var result = await Verifier().EchoAsync(id, None);

        result!.Ok.Should().BeTrue(result.Message);
        result.Message.Should().Contain("succeeded");
        result.Milliseconds.Should().BeInRange(0, 10_000);
        var echo = (await _nodes.GetAsync(id, None))!.LastEcho!;
        echo.Ok.Should().BeTrue();
        echo.Message.Should().Be(result.Message);
        echo.At.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task The_echo_button_on_a_closed_port_says_so_quickly()
    {
        var port = LoopbackPort.Free();
        var id = await _nodes.AddAsync(Valid("CLOSED", port: port) with { Host = "127.0.0.1" }, "admin.novak", None);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await Verifier().EchoAsync(id, None);

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        result!.Ok.Should().BeFalse();
        result.Message.Should().Be($"Cannot connect to 127.0.0.1:{port} (connection refused, or the host is unreachable)");
        (await _nodes.GetAsync(id, None))!.LastEcho!.Ok.Should().BeFalse();
        (await Verifier().EchoAsync(id + 50, None)).Should().BeNull();
    }

    [Fact]
    public async Task The_echo_button_explains_a_rejection_of_the_gateways_ae_title()
    {
        await using var destination = new DicomListener(new DicomListenerOptions
        {
            AeTitle = "PICKY", Port = 0, BindAddress = "127.0.0.1", 
            IdentifyCaller = (calling, _, _, _) => ValueTask.FromResult(calling == "SOMEONE-ELSE" ? CallerStatus.Allowed : CallerStatus.NotListed),
        }, new ScriptedDestination());
        await destination.StartAsync();
        var id = await _nodes.AddAsync(Valid("PICKY", port: destination.LocalEndPoint.Port) with { Host = "127.0.0.1" }, "admin.novak", None);

        var result = await Verifier().EchoAsync(id, None);

        result!.Ok.Should().BeFalse();
        result.Message.Should().Contain("rejected the association").And.Contain("calling AE title not recognized");
    }

    [Fact]
    public async Task The_echo_button_gives_up_within_its_time_limit_on_a_peer_that_never_answers()
    {
        // Listening but never accepting: the TCP handshake completes and then nothing answers.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var id = await _nodes.AddAsync(Valid("SILENT", port: port) with { Host = "127.0.0.1" }, "admin.novak", None);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await Verifier(TimeSpan.FromSeconds(1)).EchoAsync(id, None);

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        result!.Ok.Should().BeFalse();
        result.Message.Should().Contain("No answer from 127.0.0.1:" + port);
    }

    private NodeVerifier Verifier(TimeSpan? timeout = null) =>
        new(_nodes, Options.Create(new DicomListenerOptions { AeTitle = "GWECHO" }), NullLoggerFactory.Instance, TimeProvider.System, NullLogger<NodeVerifier>.Instance)
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        };
}
