using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Gateway.Tests.Support;

/// <summary>A real SMTP server (the SmtpServer package) on 127.0.0.1 that keeps every message it accepts.</summary>
internal sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly global::SmtpServer.SmtpServer _server;
    private readonly Task _running;

    private TestSmtpServer(int port, Func<string, bool> acceptRecipient)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtp.test")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        var provider = new global::SmtpServer.ComponentModel.ServiceProvider();
        provider.Add(new CollectingStore(Messages));
        provider.Add(new RecipientFilter(acceptRecipient));
        _server = new global::SmtpServer.SmtpServer(options, provider);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    public ConcurrentQueue<MimeMessage> Messages { get; } = new();

    public static async Task<TestSmtpServer> StartAsync(int port, Func<string, bool>? acceptRecipient = null)
    {
        var server = new TestSmtpServer(port, acceptRecipient ?? (_ => true));
        if (await LoopbackPort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(2))) return server;
        await server.DisposeAsync();
        throw new InvalidOperationException("SMTP test server did not start");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _server.Shutdown();
        try { await _running; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }

    private sealed class CollectingStore(ConcurrentQueue<MimeMessage> messages) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }

    private sealed class RecipientFilter(Func<string, bool> accept) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
            Task.FromResult(accept(to.User + "@" + to.Host));
    }
}
