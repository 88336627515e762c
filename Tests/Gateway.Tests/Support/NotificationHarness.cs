using System.Text;
using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Notifications;
using DicomGateway.Shipments;
using DicomGateway.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Support;

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
        // The owner of the shipments answers the queue about them, as in the gateway.
        services.AddSingleton<INotifiedShipments, ShipmentLookup>();
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
            """, new { shipmentId, email, phone, language, code = Protector.Protect(CryptoPurposes.Protect.SmsCode, Encoding.UTF8.GetBytes(code)) });
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

    public async Task<List<AuditEventRow>> AuditAsync()
    {
        await using var c = await Database.OpenAsync();
        return (await c.QueryAsync<AuditEventRow>("""
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

internal sealed class AuditEventRow
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
