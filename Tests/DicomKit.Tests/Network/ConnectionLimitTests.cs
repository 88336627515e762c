using System.Diagnostics;
using DicomKit.Network;
using DicomKit.Network.Pdus;
using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Network;

/// <summary>
/// Idle, slow and numerous connections cannot lock registered nodes out: ARTIM bounds a request however slowly it
/// trickles in, pending connections displace each other, and strangers are limited per address and kept out of the
/// slots reserved for nodes.
/// </summary>
public sealed class ConnectionLimitTests(ITestOutputHelper output)
{
    private const string Node = "NODESCU";

    private static Func<string, System.Net.IPAddress?, bool> NodeIs(string aeTitle) =>
        (calling, address) => calling == aeTitle && address is not null && System.Net.IPAddress.IsLoopback(address);

    private static async Task<(PduType Type, byte[] Body)> AssociateAsync(RawPeer peer, string calling)
    {
        await peer.SendAsync(RawPeer.Encode(RawPeer.Request(ListenerHarness.AeTitle, calling)));
        var pdu = await peer.ReadPduAsync();
        pdu.Should().NotBeNull();
        return pdu!.Value;
    }

    private static AssociateRj TransientLimit => new(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded);

    [Fact]
    public async Task A_request_trickling_in_a_byte_at_a_time_is_closed_when_ARTIM_expires()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, o => o.ArtimTimeout = TimeSpan.FromSeconds(1));
        await using var peer = await RawPeer.ConnectAsync(scp.Port);
        var request = RawPeer.Encode(RawPeer.Request(ListenerHarness.AeTitle));
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var trickle = Task.Run(async () =>
        {
            for (var i = 0; i < request.Length - 1 && !stop.IsCancellationRequested; i++)
            {
                await peer.SendAsync(request[i..(i + 1)]);
                await Task.Delay(200, CancellationToken.None);
            }
        });

        var closed = await peer.ClosedByPeerAsync(TimeSpan.FromSeconds(8));
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await trickle;

        closed.Should().BeTrue();
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4), "ARTIM runs from the connect, not from the last byte");
        await Eventually.TrueAsync(() => scp.Listener.PendingConnections == 0, TimeSpan.FromSeconds(5));
        scp.Listener.PendingConnections.Should().Be(0);
    }

    [Fact]
    public async Task Over_the_pending_limit_the_oldest_idle_connection_is_closed_and_a_caller_that_speaks_is_served()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, o =>
        {
            o.MaxPendingConnections = 4;
            o.ArtimTimeout = TimeSpan.FromSeconds(30);
        });
        var idle = new List<RawPeer>();
        try
        {
            for (var i = 0; i < 4; i++)
                idle.Add(await RawPeer.ConnectAsync(scp.Port));
            (await Eventually.TrueAsync(() => scp.Listener.PendingConnections == 4, TimeSpan.FromSeconds(5))).Should().BeTrue();

            await using var caller = await RawPeer.ConnectAsync(scp.Port);
            var answer = await AssociateAsync(caller, "RAWPEER");

            answer.Type.Should().Be(PduType.AssociateAc);
            (await idle[0].ClosedByPeerAsync(TimeSpan.FromSeconds(5))).Should().BeTrue("the oldest idle connection made room");
            (await idle[3].ClosedByPeerAsync(TimeSpan.FromMilliseconds(300))).Should().BeFalse("only one connection had to go");
            scp.Listener.PendingConnections.Should().Be(3);
        }
        finally
        {
            foreach (var peer in idle)
                await peer.DisposeAsync();
        }
    }

    [Fact]
    public async Task Over_the_pending_limit_the_busiest_address_loses_a_connection_not_a_quiet_one()
    {
        if (!OperatingSystem.IsLinux()) return; // only Linux routes all of 127.0.0.0/8 to the loopback interface
        await using var scp = await ListenerHarness.StartAsync(output, null, o =>
        {
            o.MaxPendingConnections = 4;
            o.ArtimTimeout = TimeSpan.FromSeconds(30);
        });
        var flooder = System.Net.IPAddress.Parse("127.0.0.2");
        var peers = new List<RawPeer>();
        try
        {
            var quiet = await RawPeer.ConnectAsync(scp.Port); // the oldest pending connection of all
            peers.Add(quiet);
            (await Eventually.TrueAsync(() => scp.Listener.PendingConnections == 1, TimeSpan.FromSeconds(5))).Should().BeTrue();
            for (var i = 0; i < 3; i++)
                peers.Add(await RawPeer.ConnectFromAsync(flooder, scp.Port));
            (await Eventually.TrueAsync(() => scp.Listener.PendingConnections == 4, TimeSpan.FromSeconds(5))).Should().BeTrue();

            peers.Add(await RawPeer.ConnectFromAsync(flooder, scp.Port));

            (await peers[1].ClosedByPeerAsync(TimeSpan.FromSeconds(5))).Should().BeTrue("the flooder's oldest connection made room");
            (await quiet.ClosedByPeerAsync(TimeSpan.FromMilliseconds(300))).Should().BeFalse("the quiet address keeps its connection");
            (await AssociateAsync(quiet, "RAWPEER")).Type.Should().Be(PduType.AssociateAc);
        }
        finally
        {
            foreach (var peer in peers)
                await peer.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_refused_caller_still_holding_its_connection_is_no_longer_pending()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, o => o.IdentifyCaller = (calling, _, _, _) => ValueTask.FromResult(calling == "REFUSED" ? CallerStatus.NotListed : CallerStatus.Allowed));
        await using var peer = await RawPeer.ConnectAsync(scp.Port);

        var answer = await AssociateAsync(peer, "REFUSED");

        answer.Type.Should().Be(PduType.AssociateRj);
        (await Eventually.TrueAsync(() => scp.Listener.PendingConnections == 0, TimeSpan.FromSeconds(2))).Should().BeTrue();
        scp.Listener.ActiveAssociations.Should().Be(1, "the peer has not closed yet: ARTIM waits for it");
    }

    [Fact]
    public async Task A_stranger_is_limited_per_address_but_a_registered_node_from_the_same_address_is_not()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, o =>
        {
            o.MaxConnectionsPerAddress = 2;
            o.IsRegisteredNode = NodeIs(Node);
        });
        await using var first = await RawPeer.ConnectAsync(scp.Port);
        await using var second = await RawPeer.ConnectAsync(scp.Port);
        (await AssociateAsync(first, "STRANGER")).Type.Should().Be(PduType.AssociateAc);
        (await AssociateAsync(second, "STRANGER")).Type.Should().Be(PduType.AssociateAc);

        await using var third = await RawPeer.ConnectAsync(scp.Port);
        var refused = await AssociateAsync(third, "STRANGER");
        await using var node = await RawPeer.ConnectAsync(scp.Port);
        var served = await AssociateAsync(node, Node);

        refused.Type.Should().Be(PduType.AssociateRj);
        AssociateRj.Parse(new System.Buffers.ReadOnlySequence<byte>(refused.Body)).Should().Be(TransientLimit);
        served.Type.Should().Be(PduType.AssociateAc);
        scp.Logs.Lines.Should().Contain(l => l.Contains("associations from this address", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Strangers_cannot_take_the_slots_reserved_for_nodes_and_a_node_title_from_elsewhere_is_a_stranger()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, o =>
        {
            o.MaxConcurrentAssociations = 3;
            o.ReservedAssociationsForNodes = 2;
            // The node's title is registered, but only from an address these tests never use.
            o.IsRegisteredNode = (calling, address) => calling == Node && System.Net.IPAddress.Parse("192.0.2.7").Equals(address);
        });
        await using var stranger = await RawPeer.ConnectAsync(scp.Port);
        (await AssociateAsync(stranger, "STRANGER")).Type.Should().Be(PduType.AssociateAc);

        await using var impostor = await RawPeer.ConnectAsync(scp.Port);
        var refused = await AssociateAsync(impostor, Node);

        refused.Type.Should().Be(PduType.AssociateRj);
        AssociateRj.Parse(new System.Buffers.ReadOnlySequence<byte>(refused.Body)).Should().Be(TransientLimit);
        scp.Logs.Lines.Should().Contain(l => l.Contains("kept for registered nodes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Registered_nodes_use_the_reserved_slots_while_strangers_wait()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, o =>
        {
            o.MaxConcurrentAssociations = 3;
            o.ReservedAssociationsForNodes = 2;
            o.IsRegisteredNode = NodeIs(Node);
        });
        await using var stranger = await RawPeer.ConnectAsync(scp.Port);
        (await AssociateAsync(stranger, "STRANGER")).Type.Should().Be(PduType.AssociateAc);
        await using var nodeA = await RawPeer.ConnectAsync(scp.Port);
        await using var nodeB = await RawPeer.ConnectAsync(scp.Port);

        (await AssociateAsync(nodeA, Node)).Type.Should().Be(PduType.AssociateAc);
        (await AssociateAsync(nodeB, Node)).Type.Should().Be(PduType.AssociateAc);
        await using var nodeC = await RawPeer.ConnectAsync(scp.Port);
        (await AssociateAsync(nodeC, Node)).Type.Should().Be(PduType.AssociateRj, "the reserve does not raise MaxConcurrentAssociations");
    }

    [Theory]
    [InlineData(0, 8, 256)]
    [InlineData(8, -1, 256)]
    [InlineData(8, 8, 0)]
    public void Nonsensical_limits_are_refused_at_start(int perAddress, int reserved, int pending)
    {
        var options = new DicomListenerOptions { MaxConnectionsPerAddress = perAddress, ReservedAssociationsForNodes = reserved, MaxPendingConnections = pending };

        options.Validate().Should().ContainSingle();
        var act = () => new DicomListener(options, new RecordingSink(null));
        act.Should().Throw<ArgumentException>();
    }
}
