using DicomKit.Network;
using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Network;

/// <summary>Stopping the listener the way a host does: RunAsync returns on cancellation, then the listener is disposed.</summary>
public sealed class ListenerLifetimeTests
{
    private static DicomListenerOptions Options() => new() { AeTitle = ListenerHarness.AeTitle, Port = 0, BindAddress = "127.0.0.1" };

    [Fact]
    public async Task Disposing_after_RunAsync_has_stopped_does_not_throw_and_keeps_the_bound_endpoint()
    {
        using var stopping = new CancellationTokenSource();
        var listener = new DicomListener(Options(), new RecordingSink(null));
        var run = listener.RunAsync(stopping.Token);
        var port = listener.LocalEndPoint.Port;
        port.Should().BeGreaterThan(0);

        await stopping.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        var dispose = async () => await listener.DisposeAsync();

        await dispose.Should().NotThrowAsync();
        listener.LocalEndPoint.Port.Should().Be(port);
    }

    [Fact]
    public async Task StopAsync_twice_is_harmless()
    {
        await using var listener = new DicomListener(Options(), new RecordingSink(null));
        await listener.StartAsync();

        await listener.StopAsync();
        var again = async () => await listener.StopAsync();

        await again.Should().NotThrowAsync();
    }
}
