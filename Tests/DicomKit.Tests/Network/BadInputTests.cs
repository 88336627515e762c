using System.Buffers.Binary;
using System.Text;
using DicomKit.Network;
using DicomKit.Network.Pdus;
using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Network;

/// <summary>
/// Whatever arrives on the port, the listener ends that connection cleanly (an A-ABORT or a close, and a log line)
/// and the next association works. Memory stays flat across many repetitions.
/// </summary>
public sealed class BadInputTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _received = new("dicomkit-bad-input-");

    public void Dispose() => _received.Dispose();

    private static readonly string[] Scenarios =
    [
        "pdu-longer-than-allowed", "pdv-longer-than-pdu", "garbage", "http", "tls", "length-ffffffff",
        "truncated-associate-rq", "associate-rq-with-lying-item-length", "1000-presentation-contexts", "abort-mid-store",
        "close-mid-store", "pdata-before-associate", "data-on-unaccepted-context",
    ];

    public static TheoryData<string> Cases() => new(Scenarios);

    private static readonly byte[] TlsClientHello =
    [
        0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00,
    ];

    private static async Task DriveAsync(string scenario, ListenerHarness scp, bool waitForClose = true)
    {
        await using var peer = await RawPeer.ConnectAsync(scp.Port);
        switch (scenario)
        {
            case "pdu-longer-than-allowed":
            {
                await peer.AssociateAsync(ListenerHarness.AeTitle);
                var header = new byte[] { 0x04, 0, 0, 0, 0, 0 };
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(2), (uint)scp.Options.MaxPduLength + 1);
                await peer.SendAsync(header);
                await ExpectAbortAsync(peer, waitForClose);
                break;
            }
            case "pdv-longer-than-pdu":
            {
                await peer.AssociateAsync(ListenerHarness.AeTitle);
                var pdu = RawPeer.PData(1, command: true, last: true, new byte[10]);
                BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(6), 1000);
                await peer.SendAsync(pdu);
                await ExpectAbortAsync(peer, waitForClose);
                break;
            }
            case "garbage":
                await peer.SendAsync(Enumerable.Range(0, 4000).Select(i => (byte)(i * 37 + 11)).ToArray());
                await ExpectAbortAsync(peer, waitForClose);
                break;
            case "http":
                await peer.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
                await ExpectAbortAsync(peer, waitForClose);
                break;
            case "tls":
                await peer.SendAsync(TlsClientHello);
                await ExpectAbortAsync(peer, waitForClose);
                break;
            case "length-ffffffff":
                await peer.SendAsync([0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01]);
                await ExpectAbortAsync(peer, waitForClose);
                break;
            case "truncated-associate-rq":
            {
                var rq = RawPeer.Encode(RawPeer.Request(ListenerHarness.AeTitle));
                await peer.SendAsync(rq[..(rq.Length / 2)]);
                break; // and close: the listener sees the connection end inside a PDU
            }
            case "associate-rq-with-lying-item-length":
            {
                var rq = RawPeer.Encode(RawPeer.Request(ListenerHarness.AeTitle));
                BinaryPrimitives.WriteUInt16BigEndian(rq.AsSpan(6 + 68 + 2), 60000); // application context item length
                await peer.SendAsync(rq);
                await ExpectAbortAsync(peer, waitForClose);
                break;
            }
            case "1000-presentation-contexts":
            {
                // Item bytes written by hand: the product's encoder refuses ids past 255.
                var items = new List<byte>();
                for (var i = 0; i < 1000; i++)
                    items.AddRange(PresentationContextItem((byte)(i * 2 + 1)));
                var rq = RawPeer.Request(ListenerHarness.AeTitle);
                var encoded = RawPeer.Encode(rq).ToList();
                encoded.InsertRange(6 + 68 + 4 + rq.ApplicationContext.Length, items);
                var bytes = encoded.ToArray();
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(2), (uint)(bytes.Length - 6));
                await peer.SendAsync(bytes);
                await ExpectAbortAsync(peer, waitForClose);
                break;
            }
            case "abort-mid-store":
            case "close-mid-store":
            {
                await peer.AssociateAsync(ListenerHarness.AeTitle);
                await peer.SendAsync(RawPeer.PData(3, command: true, last: true, RawPeer.StoreCommand(TestFiles.NewUid())));
                await peer.SendAsync(RawPeer.PData(3, command: false, last: false, new byte[3000]));
                if (scenario == "abort-mid-store")
                    await peer.SendAsync(RawPeer.Encode(new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified)));
                break;
            }
            case "pdata-before-associate":
                await peer.SendAsync(RawPeer.PData(1, true, true, new byte[8]));
                await ExpectAbortAsync(peer, waitForClose);
                break;
            case "data-on-unaccepted-context":
                await peer.AssociateAsync(ListenerHarness.AeTitle);
                await peer.SendAsync(RawPeer.PData(99, true, true, new byte[8]));
                await ExpectAbortAsync(peer, waitForClose);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario));
        }
    }

    private static IEnumerable<byte> PresentationContextItem(byte id)
    {
        const string abstractSyntax = "1.2.840.10008.1.1", ts = "1.2.840.10008.1.2";
        var length = 4 + 4 + abstractSyntax.Length + 4 + ts.Length;
        return [0x20, 0, (byte)(length >> 8), (byte)length, id, 0, 0, 0,
            0x30, 0, 0, (byte)abstractSyntax.Length, .. Encoding.ASCII.GetBytes(abstractSyntax),
            0x40, 0, 0, (byte)ts.Length, .. Encoding.ASCII.GetBytes(ts)];
    }

    /// <summary>The listener sends A-ABORT, then closes when ARTIM expires even if the peer stays (unless the peer closes first).</summary>
    private static async Task ExpectAbortAsync(RawPeer peer, bool waitForClose)
    {
        var pdu = await peer.ReadPduAsync();
        pdu.Should().NotBeNull("the listener answers with an A-ABORT before closing");
        pdu!.Value.Type.Should().Be(PduType.Abort);
        if (waitForClose)
            (await peer.ClosedByPeerAsync()).Should().BeTrue();
    }

    private static async Task EchoAsync(ListenerHarness scp)
    {
        var options = new DicomClientOptions { Port = scp.Port, CalledAeTitle = ListenerHarness.AeTitle, ResponseTimeout = TimeSpan.FromSeconds(10) };
        await using var association = await DicomClient.AssociateAsync(options, [PresentationContextProposal.Verification]);
        (await association.EchoAsync()).Should().Be(DimseStatus.Success);
        await association.ReleaseAsync();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_ends_that_connection_and_the_next_echo_succeeds(string scenario)
    {
        await using var scp = await ListenerHarness.StartAsync(output, _received.Path, o => o.ArtimTimeout = TimeSpan.FromSeconds(1));

        await DriveAsync(scenario, scp);
        await EchoAsync(scp);

        await WaitUntilNoAssociationIsActiveAsync(scp);
        scp.Sink.Committed.Should().BeEmpty();
        scp.Sink.Open.Should().Be(0, "a partial instance is aborted and disposed");
        if (scenario.EndsWith("mid-store", StringComparison.Ordinal))
            scp.Sink.Aborted.Should().ContainSingle();
        if (scenario is not ("truncated-associate-rq" or "abort-mid-store" or "close-mid-store"))
            scp.Logs.Lines.Should().Contain(l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal));
        if (scenario == "http")
            scp.Logs.Lines.Should().Contain(l => l.Contains("HTTP", StringComparison.Ordinal));
        if (scenario == "tls")
            scp.Logs.Lines.Should().Contain(l => l.Contains("TLS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Memory_stays_flat_across_200_rounds_of_bad_input()
    {
        await using var scp = await ListenerHarness.StartAsync(null, null);
        var scenarios = Scenarios.Where(s => s != "truncated-associate-rq").ToArray();
        for (var i = 0; i < 20; i++)
            await DriveAsync(scenarios[i % scenarios.Length], scp, waitForClose: false); // warm up
        await WaitUntilNoAssociationIsActiveAsync(scp);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        for (var i = 0; i < 200; i++)
            await DriveAsync(scenarios[i % scenarios.Length], scp, waitForClose: false);
        await EchoAsync(scp);
        await WaitUntilNoAssociationIsActiveAsync(scp);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        output.WriteLine($"managed heap before {before / 1024} KiB, after 200 bad connections {after / 1024} KiB");
        (after - before).Should().BeLessThan(8 * 1024 * 1024);
    }

    private static async Task WaitUntilNoAssociationIsActiveAsync(ListenerHarness scp) =>
        (await Eventually.TrueAsync(() => scp.Listener.ActiveAssociations == 0, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(20)))
            .Should().BeTrue("every association ends");
}
