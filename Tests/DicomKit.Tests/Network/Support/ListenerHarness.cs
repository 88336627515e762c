using DicomKit.Network;

namespace DicomKit.Tests.Network.Support;

/// <summary>An in-process listener on 127.0.0.1 and a free port, with a recording sink.</summary>
internal sealed class ListenerHarness : IAsyncDisposable
{
    public const string AeTitle = "DICOMKIT-TEST";

    private ListenerHarness(DicomListener listener, RecordingSink sink, TestLoggerFactory logs, DicomListenerOptions options)
    {
        Listener = listener;
        Sink = sink;
        Logs = logs;
        Options = options;
    }

    public DicomListener Listener { get; }
    public RecordingSink Sink { get; }
    public TestLoggerFactory Logs { get; }
    public DicomListenerOptions Options { get; }
    public int Port => Listener.LocalEndPoint.Port;
    public string PortText => Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<ListenerHarness> StartAsync(ITestOutputHelper? output, string? sinkDirectory, Action<DicomListenerOptions>? configure = null,
        DicomTlsServerOptions? tls = null)
    {
        var options = new DicomListenerOptions
        {
            AeTitle = AeTitle,
            Port = 0,
            BindAddress = "127.0.0.1",
            ArtimTimeout = TimeSpan.FromSeconds(3),
            IdleTimeout = TimeSpan.FromSeconds(20),
        };
        configure?.Invoke(options);
        var sink = new RecordingSink(sinkDirectory);
        var logs = new TestLoggerFactory(output, Environment.GetEnvironmentVariable("NET_TEST_DEBUG") is null ? Microsoft.Extensions.Logging.LogLevel.Information : Microsoft.Extensions.Logging.LogLevel.Debug);
        var listener = new DicomListener(options, sink, logs, tls: tls);
        await listener.StartAsync();
        return new ListenerHarness(listener, sink, logs, options);
    }

    public Task<ToolResult> EchoscuAsync(params string[] extra) =>
        ExternalTool.RunAsync("echoscu", [.. extra, "-aec", AeTitle, "127.0.0.1", PortText], TimeSpan.FromSeconds(30));

    public Task<ToolResult> StorescuAsync(IEnumerable<string> options, IEnumerable<string> files, TimeSpan? timeout = null) =>
        ExternalTool.RunAsync("storescu", [.. options, "-aec", AeTitle, "127.0.0.1", PortText, .. files], timeout ?? ExternalTool.DefaultTimeout);

    public async ValueTask DisposeAsync() => await Listener.DisposeAsync();
}
