using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Notifications;
using DicomGateway.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Gateway.Tests.Notifications;

/// <summary>ISecretProtector for tests: AES-GCM under a random key, the purpose as associated data.</summary>
internal sealed class TestSecretProtector : ISecretProtector
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public byte[] Protect(string purpose, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[12 + 16 + plaintext.Length];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(output.AsSpan(0, 12), plaintext, output.AsSpan(28), output.AsSpan(12, 16), Encoding.UTF8.GetBytes(purpose));
        return output;
    }

    public byte[] Unprotect(string purpose, ReadOnlySpan<byte> protectedData)
    {
        var plaintext = new byte[protectedData.Length - 28];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(protectedData[..12], protectedData[28..], protectedData.Slice(12, 16), plaintext, Encoding.UTF8.GetBytes(purpose));
        return plaintext;
    }
}

/// <summary>Every log message, its structured values and any exception, as text.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new StringBuilder().Append(logLevel).Append(' ').Append(category).Append(": ").Append(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                foreach (var (key, value) in values) text.Append(" | ").Append(key).Append('=').Append(value);
            if (exception is not null) text.Append(" | ").Append(exception);
            owner.Entries.Enqueue(text.ToString());
        }
    }
}

internal sealed class TestHostEnvironment(string root) : IHostEnvironment
{
    public string EnvironmentName { get; set; } = "Test";
    public string ApplicationName { get; set; } = "Gateway.Tests";
    public string ContentRootPath { get; set; } = root;
    public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
}

/// <summary>
/// The notification services wired as the gateway wires them (AddNotifications over a real SQLite database in a
/// temporary data directory), with the dispatcher started and stopped by the test.
/// </summary>
internal sealed class NotificationHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private bool _started;

    public NotificationHarness(string dataDirectory, IDictionary<string, string?> settings, ISecretProtector? protector = null,
        CapturingLoggerProvider? logs = null, TimeProvider? time = null)
    {
        DataDirectory = dataDirectory;
        Protector = protector ?? new TestSecretProtector();
        Logs = logs ?? new CapturingLoggerProvider();
        var defaults = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dataDirectory,
            ["Notifications:PollInterval"] = "00:00:00.100",
            ["Notifications:RetryBaseDelay"] = "00:00:00.050",
            ["Notifications:RetryMaxDelay"] = "00:00:00.500",
            ["Mail:FromAddress"] = "gateway@hospital.test",
            ["Mail:FromName"] = "Nemocnice Test",
            ["Mail:Security"] = "None",
            ["Mail:Timeout"] = "00:00:05",
        };
        foreach (var (key, value) in settings) defaults[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(defaults).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IHostEnvironment>(new TestHostEnvironment(dataDirectory));
        services.AddLogging(b => b.ClearProviders().AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton(Protector);
        if (time is not null) services.AddSingleton(time);
        services.AddInstanceStorage();
        services.AddGatewayDatabase();
        services.AddNotifications();
        _services = services.BuildServiceProvider();
    }

    public string DataDirectory { get; }
    public ISecretProtector Protector { get; }
    public CapturingLoggerProvider Logs { get; }
    public IServiceProvider Services => _services;
    public GatewayDatabase Database => _services.GetRequiredService<GatewayDatabase>();
    public NotificationOutbox Outbox => _services.GetRequiredService<NotificationOutbox>();
    public NotificationDispatcher Dispatcher => _services.GetRequiredService<NotificationDispatcher>();

    public async Task StartAsync()
    {
        await Dispatcher.StartAsync(CancellationToken.None);
        _started = true;
    }

    public async Task StopAsync()
    {
        if (!_started) return;
        _started = false;
        await Dispatcher.StopAsync(CancellationToken.None);
    }

    /// <summary>A sealed study with one shipment and one recipient whose SMS code is stored as the sealing code stores it.</summary>
    public async Task<(long ShipmentId, long RecipientId)> SeedShipmentAsync(string reference, string code, string? email = "doctor@clinic.test",
        string? phone = "603 000 000", string language = "cs", string? notifyEmail = null, DateTimeOffset? created = null)
    {
        await using var c = await Database.OpenAsync();
        var now = (created ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
        var studyId = await c.ExecuteScalarAsync<long>("""
            INSERT INTO studies (study_key, state, calling_ae, called_ae, first_received_at, last_received_at, sealed_at, patient_ref)
            VALUES (randomblob(32), 'sealed', 'MODALITY', 'GATEWAY', @now, @now, @now, randomblob(32)) RETURNING id
            """, new { now });
        var shipmentId = await c.ExecuteScalarAsync<long>("""
            INSERT INTO shipments (reference, study_id, state, created_at, expires_at, notify_email)
            VALUES (@reference, @studyId, 'active', @now, @expires, @notifyEmail) RETURNING id
            """, new { reference, studyId, now, expires = now + 7 * 86_400_000L, notifyEmail });
        var recipientId = await c.ExecuteScalarAsync<long>("""
            INSERT INTO recipients (shipment_id, email, phone, language, token_hash, code)
            VALUES (@shipmentId, @email, @phone, @language, randomblob(32), @code) RETURNING id
            """, new { shipmentId, email, phone, language, code = Protector.Protect("sms-code", Encoding.UTF8.GetBytes(code)) });
        return (shipmentId, recipientId);
    }

    /// <summary>What the sealing code does: enqueue inside its transaction, commit, wake the dispatcher.</summary>
    public async Task EnqueueAsync(ShipmentNotice notice)
    {
        await using var c = await Database.OpenAsync();
        await using var t = c.BeginTransaction();
        await Outbox.EnqueueShipmentAsync(c, t, notice, CancellationToken.None);
        await t.CommitAsync();
        Outbox.Wake();
    }

    public async Task<List<DeliveryRecord>> DeliveriesAsync()
    {
        await using var c = await Database.OpenAsync();
        return (await c.QueryAsync<DeliveryRecord>("""
            SELECT id AS Id, channel AS Channel, kind AS Kind, state AS State, attempts AS Attempts, last_error AS LastError,
                   payload IS NULL AS PayloadErased, created_at AS CreatedAt, sent_at AS SentAt
            FROM deliveries ORDER BY id
            """)).ToList();
    }

    public async Task<List<AuditRecord>> AuditAsync()
    {
        await using var c = await Database.OpenAsync();
        return (await c.QueryAsync<AuditRecord>("""
            SELECT event_id AS EventId, action AS Action, outcome AS Outcome, actor_kind AS ActorKind, shipment_id AS ShipmentId,
                   recipient_id AS RecipientId, study_id AS StudyId, detail AS Detail
            FROM audit_events ORDER BY id
            """)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _services.DisposeAsync();
    }
}

internal sealed class DeliveryRecord
{
    public long Id { get; set; }
    public string Channel { get; set; } = "";
    public string Kind { get; set; } = "";
    public string State { get; set; } = "";
    public long Attempts { get; set; }
    public string? LastError { get; set; }
    public bool PayloadErased { get; set; }
    public long CreatedAt { get; set; }
    public long? SentAt { get; set; }
}

internal sealed class AuditRecord
{
    public string EventId { get; set; } = "";
    public string Action { get; set; } = "";
    public long Outcome { get; set; }
    public string ActorKind { get; set; } = "";
    public long? ShipmentId { get; set; }
    public long? RecipientId { get; set; }
    public long? StudyId { get; set; }
    public string? Detail { get; set; }
}

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
        // Listening once a connection is accepted.
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }
        throw new InvalidOperationException("SMTP test server did not start");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

internal static class Eventually
{
    public static async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Timed out waiting until " + what);
            await Task.Delay(25);
        }
    }

    public static Task WaitAsync(Func<bool> condition, string what, TimeSpan? timeout = null) => WaitAsync(() => Task.FromResult(condition()), what, timeout);
}

internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("gw-notify-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A notice with secrets that are easy to look for.</summary>
internal static class Notices
{
    public const string Token = "Tq9ZkR3mXw7pLs2VbN8cYd";
    public const string KeyShare = "Ej4HuT6yGf1QaZo0PxWm5Kr";
    public const string Link = "https://gateway.hospital.test/s/" + Token + "#" + KeyShare;
    public const string Code = "ABCDEFGH";

    public static ShipmentNotice For(long shipmentId, long recipientId, string reference = "K7M2-9QXD", string? email = "doctor@clinic.test",
        string? phone = "603 000 000", string language = "cs") => new()
    {
        ShipmentId = shipmentId,
        RecipientId = recipientId,
        Reference = reference,
        Email = email,
        Phone = phone,
        Language = language,
        Link = Link,
        Code = Code,
        ExpiresAt = new DateTimeOffset(2026, 3, 12, 13, 30, 0, TimeSpan.Zero),
        InstanceCount = 412,
        TotalBytes = 12_345_678,
        SenderName = "MUDr. Jana Nováková",
        SenderOrganisation = "Fakultní nemocnice Test",
    };
}
