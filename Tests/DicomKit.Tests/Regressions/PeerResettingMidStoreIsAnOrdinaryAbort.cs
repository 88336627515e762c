using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Regressions;

/// <summary>
/// A peer that reset the connection (RST) while the listener waited for the rest of a C-STORE made the association
/// end with "failed unexpectedly" and an InvalidCastException from AssociationMachine.Release: the failed receive
/// was stood for by an empty buffer that was then handed back to the pipe as if the pipe had lent it. Now it is logged
/// as an ordinary abort and the sink discards the partial instance. A plain DICOM client on a TLS port met the same
/// path when the server dropped it.
/// </summary>
public sealed class PeerResettingMidStoreIsAnOrdinaryAbort(ITestOutputHelper output)
{
    [Fact]
    public async Task A_reset_in_the_middle_of_a_store_is_logged_as_an_abort()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null);
        var peer = await RawPeer.ConnectAsync(scp.Port);
        await peer.AssociateAsync(ListenerHarness.AeTitle);
        await peer.SendAsync(RawPeer.PData(3, command: true, last: true, RawPeer.StoreCommand(TestFiles.NewUid())));
        await peer.SendAsync(RawPeer.PData(3, command: false, last: false, new byte[1000]));
        (await Eventually.TrueAsync(() => scp.Sink.Open > 0, TimeSpan.FromSeconds(10))).Should().BeTrue();

        peer.Reset();

        (await Eventually.TrueAsync(() => scp.Listener.ActiveAssociations == 0, TimeSpan.FromSeconds(10))).Should().BeTrue();
        scp.Logs.Lines.Should().Contain(l => l.Contains("aborted", StringComparison.Ordinal));
        scp.Logs.Lines.Should().NotContain(l => l.Contains("failed unexpectedly", StringComparison.Ordinal));
        scp.Sink.Committed.Should().BeEmpty();
        scp.Sink.Aborted.Should().ContainSingle();
    }
}
