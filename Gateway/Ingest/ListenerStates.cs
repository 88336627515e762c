using System.Collections.Concurrent;
using DicomKit.Network;
using Microsoft.Extensions.Options;

namespace DicomGateway.Ingest;

/// <summary>
/// Which DICOM listeners the settings call for and which of them hold their port: a listener that failed to bind, or
/// has not bound yet, makes the gateway not ready.
/// </summary>
public sealed class ListenerStates(IOptions<DicomTlsOptions> tls)
{
    public const string Plain = "dicom";
    public const string Tls = "dicom-tls";

    private readonly ConcurrentDictionary<string, bool> _bound = new(StringComparer.Ordinal);

    internal void Bound(string listener) => _bound[listener] = true;

    internal void Unbound(string listener) => _bound[listener] = false;

    /// <summary>The listeners the settings call for that are not bound, empty when all are.</summary>
    public IReadOnlyList<string> NotBound()
    {
        var expected = new List<string>(2);
        if (!tls.Value.Only) expected.Add(Plain);
        if (tls.Value.Enabled) expected.Add(Tls);
        return [.. expected.Where(l => !_bound.GetValueOrDefault(l))];
    }
}

internal static class ListenerServing
{
    /// <summary><see cref="DicomListener.RunAsync"/>, telling <paramref name="states"/> while the port is held.</summary>
    public static async Task ServeAsync(this DicomListener listener, ListenerStates states, string name, CancellationToken stoppingToken)
    {
        await listener.StartAsync(stoppingToken).ConfigureAwait(false);
        states.Bound(name);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            states.Unbound(name);
        }
        await listener.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
