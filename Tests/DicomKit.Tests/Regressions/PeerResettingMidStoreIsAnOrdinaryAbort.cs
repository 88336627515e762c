using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// A peer that reset the connection in the middle of a C-STORE made the listener log "failed unexpectedly" with an
/// InvalidCastException: the failed receive was turned into a made-up ReadResult whose buffer was then handed back to
/// the pipe (StreamPipeReader.AdvanceTo given a position from another buffer). A reset is now an ordinary abort.
/// </summary>
public sealed class PeerResettingMidStoreIsAnOrdinaryAbort(ITestOutputHelper output)
{
    [Fact]
    public async Task A_reset_inside_a_CStore_is_logged_as_an_abort_and_the_listener_serves_the_next_peer()
    {
        await using var harness = await ListenerHarness.StartAsync(output, null);
        var peer = await RawPeer.ConnectAsync(harness.Port);
        await peer.AssociateAsync(ListenerHarness.AeTitle);
        await peer.SendAsync(RawPeer.PData(3, command: true, last: true, RawPeer.StoreCommand("1.2.3.4.5")));
        // The first fragment of the data set only: the store is in progress when the reset arrives.
        await peer.SendAsync(RawPeer.PData(3, command: false, last: false, new byte[1000]));

        peer.Reset();

        await Eventually.TrueAsync(() => harness.Listener.ActiveAssociations == 0, TimeSpan.FromSeconds(10));
        harness.Logs.Lines.Should().Contain(l => l.Contains("aborted", StringComparison.Ordinal));
        harness.Logs.Lines.Should().NotContain(l => l.Contains("failed unexpectedly", StringComparison.Ordinal));
        harness.Logs.Lines.Should().NotContain(l => l.Contains("InvalidCastException", StringComparison.Ordinal));
        harness.Sink.Aborted.Should().ContainSingle();

        await using var next = await RawPeer.ConnectAsync(harness.Port);
        await next.AssociateAsync(ListenerHarness.AeTitle);
    }
}
