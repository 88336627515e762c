using System.Text;
using Dapper;
using DicomGateway.AddressBook;
using DicomGateway.Crypto;
using DicomGateway.Database;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Notifications;

/// <summary>
/// Queues notifications as rows of the deliveries table, in the caller's transaction or one of its own; the
/// <see cref="NotificationDispatcher"/> sends them. A queued row holds what its message is made from, protected
/// under the gateway key, and nothing more.
/// </summary>
public sealed partial class NotificationOutbox
{
    // ON CONFLICT DO NOTHING covers only the UNIQUE indexes (a shipment announced once per recipient and channel,
    // a sender notice once per shipment and kind): a second enqueue is a no-op and the caller's transaction, with
    // its seal, goes on. Any other failure (a missing shipment, a CHECK) still throws, as it should.
    private const string InsertSql = """
        INSERT INTO deliveries (shipment_id, recipient_id, channel, kind, state, attempts, next_attempt_at, created_at, payload)
        VALUES (@ShipmentId, @RecipientId, @Channel, @Kind, 'queued', 0, @Now, @Now, @Payload)
        ON CONFLICT DO NOTHING
        """;

    private readonly GatewayDatabase _database;
    private readonly ISecretProtector _protector;
    private readonly DeliverySignal _signal;
    private readonly PhoneNumberNormalizer _phones;
    private readonly SmsOptions _sms;
    private readonly MailOptions _mail;
    private readonly TimeProvider _time;
    private readonly ILogger<NotificationOutbox> _logger;

    public NotificationOutbox(GatewayDatabase database, ISecretProtector protector, DeliverySignal signal, PhoneNumberNormalizer phones,
        IOptions<SmsOptions> sms, IOptions<MailOptions> mail, TimeProvider time, ILogger<NotificationOutbox> logger)
    {
        ArgumentNullException.ThrowIfNull(sms);
        ArgumentNullException.ThrowIfNull(mail);
        _database = database;
        _protector = protector;
        _signal = signal;
        _phones = phones;
        _sms = sms.Value;
        _mail = mail.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Queues the e-mail (if the notice has an address) and the SMS (if it has a phone number) announcing a sealed
    /// shipment, inside the sealing transaction: the rows commit or roll back with the seal. Queuing the same
    /// notice again is a no-op. Call <see cref="Wake"/> after your commit for immediate sending; otherwise the
    /// dispatcher's next poll (Notifications:PollInterval) finds the rows.
    /// </summary>
    public async Task EnqueueShipmentAsync(SqliteConnection connection, SqliteTransaction transaction, ShipmentNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentException.ThrowIfNullOrEmpty(notice.Link, nameof(notice));
        ArgumentException.ThrowIfNullOrEmpty(notice.Code, nameof(notice));
        var now = _time.GetUtcNow();
        if (!string.IsNullOrWhiteSpace(notice.Email))
        {
            var payload = new DeliveryPayload
            {
                To = notice.Email.Trim(),
                Language = notice.Language,
                Reference = notice.Reference,
                Link = notice.Link,
                ExpiresAt = notice.ExpiresAt,
                InstanceCount = notice.InstanceCount,
                TotalBytes = notice.TotalBytes,
                SenderName = notice.SenderName,
                SenderOrganisation = notice.SenderOrganisation,
            };
            var added = await InsertAsync(connection, transaction, notice.ShipmentId, notice.RecipientId, DeliveryChannel.Email, DeliveryKind.Shipment, payload, now, cancellationToken).ConfigureAwait(false);
            if (!added) LogAlreadyQueued(notice.ShipmentId, notice.RecipientId, DeliveryChannel.Email);
        }
        if (!string.IsNullOrWhiteSpace(notice.Phone))
        {
            var payload = new DeliveryPayload { To = notice.Phone.Trim(), Language = notice.Language, Reference = notice.Reference, Code = notice.Code };
            var added = await InsertAsync(connection, transaction, notice.ShipmentId, notice.RecipientId, DeliveryChannel.Sms, DeliveryKind.Shipment, payload, now, cancellationToken).ConfigureAwait(false);
            if (!added) LogAlreadyQueued(notice.ShipmentId, notice.RecipientId, DeliveryChannel.Sms);
        }
    }

    /// <summary>
    /// "Send me the code again": queues the recipient's code by SMS, at most Sms:MaxResendsPerHour times per shipment
    /// in any 60 minutes. The caller audits the request with the result.
    /// </summary>
    public async Task<CodeResendResult> EnqueueCodeResendAsync(long recipientId, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default): the count and the insert cannot interleave with another resend.
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var row = await connection.QuerySingleOrDefaultAsync<ResendSource>(new CommandDefinition("""
                    SELECT r.shipment_id AS ShipmentId, r.phone AS Phone, r.language AS Language, r.code AS Code,
                           s.reference AS Reference, s.state AS State
                    FROM recipients r JOIN shipments s ON s.id = r.shipment_id
                    WHERE r.id = @recipientId
                    """, new { recipientId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (row is null) return CodeResendResult.NotFound;
                if (row.Code is null || row.State != "active") return CodeResendResult.NotActive;
                if (!_phones.TryNormalize(row.Phone, out _)) return CodeResendResult.NoPhone;

                var now = _time.GetUtcNow();
                var recent = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
                    SELECT COUNT(*) FROM deliveries WHERE shipment_id = @ShipmentId AND kind = 'code-resend' AND created_at > @since
                    """, new { row.ShipmentId, since = now.AddHours(-1).ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (recent >= _sms.MaxResendsPerHour)
                {
                    LogResendRateLimited(row.ShipmentId, recipientId);
                    return CodeResendResult.RateLimited;
                }

                var code = Encoding.UTF8.GetString(_protector.Unprotect(CryptoPurposes.Protect.SmsCode, row.Code));
                var payload = new DeliveryPayload { To = row.Phone!.Trim(), Language = row.Language, Reference = row.Reference, Code = code };
                await InsertAsync(connection, transaction, row.ShipmentId, recipientId, DeliveryChannel.Sms, DeliveryKind.CodeResend, payload, now, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        Wake();
        return CodeResendResult.Queued;
    }

    /// <summary>
    /// Queues the sender-side e-mail (to shipments.notify_email) saying the shipment was opened, or expired
    /// unopened. Once per shipment and kind; false if the shipment has no notify address or does not exist. The
    /// message names only the shipment reference and dates, in Mail:DefaultLanguage.
    /// </summary>
    public async Task<bool> EnqueueSenderNoticeAsync(long shipmentId, SenderNoticeKind kind, CancellationToken cancellationToken)
    {
        bool added;
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                added = await EnqueueSenderNoticeAsync(connection, transaction, shipmentId, kind, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        if (added) Wake();
        return added;
    }

    /// <summary>
    /// As <see cref="EnqueueSenderNoticeAsync(long, SenderNoticeKind, CancellationToken)"/>, inside the caller's transaction (the
    /// state change that causes the notice commits with it). Call <see cref="Wake"/> after committing.
    /// </summary>
    public async Task<bool> EnqueueSenderNoticeAsync(SqliteConnection connection, SqliteTransaction transaction, long shipmentId, SenderNoticeKind kind,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var row = await connection.QuerySingleOrDefaultAsync<SenderNoticeSource>(new CommandDefinition("""
            SELECT s.reference AS Reference, s.notify_email AS NotifyEmail, s.created_at AS CreatedAt, s.expires_at AS ExpiresAt,
                   (SELECT MIN(first_opened_at) FROM recipients WHERE shipment_id = s.id) AS OpenedAt
            FROM shipments s WHERE s.id = @shipmentId
            """, new { shipmentId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (row is null || string.IsNullOrWhiteSpace(row.NotifyEmail)) return false;
        var payload = new DeliveryPayload
        {
            To = row.NotifyEmail.Trim(),
            Language = _mail.DefaultLanguage,
            Reference = row.Reference,
            SentAt = DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
            ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(row.ExpiresAt),
            OpenedAt = row.OpenedAt is { } opened ? DateTimeOffset.FromUnixTimeMilliseconds(opened) : null,
        };
        return await InsertAsync(connection, transaction, shipmentId, null, DeliveryChannel.NotifyEmail, DeliveryKind.Of(kind), payload, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the dispatcher's next round now rather than at its next poll.</summary>
    public void Wake() => _signal.Wake();

    private async Task<bool> InsertAsync(SqliteConnection connection, SqliteTransaction transaction, long shipmentId, long? recipientId, string channel, string kind,
        DeliveryPayload payload, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var protectedPayload = _protector.Protect(CryptoPurposes.Protect.Notification, payload.ToJson());
        var rows = await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            ShipmentId = shipmentId,
            RecipientId = recipientId,
            Channel = channel,
            Kind = kind,
            Now = now.ToUnixTimeMilliseconds(),
            Payload = protectedPayload,
        }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows == 1;
    }

    private sealed class ResendSource
    {
        public long ShipmentId { get; set; }
        public string? Phone { get; set; }
        public string Language { get; set; } = "";
        public byte[]? Code { get; set; }
        public string Reference { get; set; } = "";
        public string State { get; set; } = "";
    }

    private sealed class SenderNoticeSource
    {
        public string Reference { get; set; } = "";
        public string? NotifyEmail { get; set; }
        public long CreatedAt { get; set; }
        public long ExpiresAt { get; set; }
        public long? OpenedAt { get; set; }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Shipment {ShipmentId} recipient {RecipientId}: {Channel} notification already queued")]
    private partial void LogAlreadyQueued(long shipmentId, long recipientId, string channel);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Shipment {ShipmentId}: code resend for recipient {RecipientId} refused, hourly limit reached")]
    private partial void LogResendRateLimited(long shipmentId, long recipientId);
}
