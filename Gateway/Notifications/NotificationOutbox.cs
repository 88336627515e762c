using System.Text;
using Dapper;
using DicomGateway.AddressBook;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Storage;
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
    private readonly INotifiedShipments _shipments;
    private readonly ISecretProtector _protector;
    private readonly DeliverySignal _signal;
    private readonly PhoneNumberNormalizer _phones;
    private readonly SmsOptions _sms;
    private readonly MailOptions _mail;
    private readonly TimeProvider _time;
    private readonly ILogger<NotificationOutbox> _logger;
    private readonly string _mailOutbox;
    private readonly string _smsOutbox;

    public NotificationOutbox(GatewayDatabase database, INotifiedShipments shipments, ISecretProtector protector, DeliverySignal signal, PhoneNumberNormalizer phones,
        IOptions<SmsOptions> sms, IOptions<MailOptions> mail, StoragePaths paths, TimeProvider time, ILogger<NotificationOutbox> logger)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(sms);
        ArgumentNullException.ThrowIfNull(mail);
        _database = database;
        _shipments = shipments;
        _protector = protector;
        _signal = signal;
        _phones = phones;
        _sms = sms.Value;
        _mail = mail.Value;
        _time = time;
        _logger = logger;
        // Both, whichever transport is in effect now: files written under an earlier configuration are erased too.
        _mailOutbox = OutboxFiles.PathOf(paths.DataDirectory, _mail.OutboxDirectory);
        _smsOutbox = OutboxFiles.PathOf(paths.DataDirectory, _sms.OutboxDirectory);
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
                var row = await _shipments.CodeResendSourceAsync(connection, transaction, recipientId, cancellationToken).ConfigureAwait(false);
                if (row is null) return CodeResendResult.NotFound;
                if (row.ProtectedCode is null || !row.Active) return CodeResendResult.NotActive;
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

                var code = Encoding.UTF8.GetString(_protector.Unprotect(CryptoPurposes.Protect.SmsCode, row.ProtectedCode));
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
        var row = await _shipments.SenderNoticeSourceAsync(connection, transaction, shipmentId, cancellationToken).ConfigureAwait(false);
        if (row is null || string.IsNullOrWhiteSpace(row.NotifyEmail)) return false;
        var payload = new DeliveryPayload
        {
            To = row.NotifyEmail.Trim(),
            Language = _mail.DefaultLanguage,
            Reference = row.Reference,
            SentAt = row.CreatedAt,
            ExpiresAt = row.ExpiresAt,
            OpenedAt = row.OpenedAt,
        };
        return await InsertAsync(connection, transaction, shipmentId, null, DeliveryChannel.NotifyEmail, DeliveryKind.Of(kind), payload, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes the recipient's shipment e-mail, while it is still queued (waiting for its next retry), due now. The link
    /// exists only in that queued message, so a sent one, or one whose link was erased after it failed for good, cannot
    /// be sent again.
    /// </summary>
    public async Task<EmailRetryResult> RetryShipmentEmailAsync(long shipmentId, long recipientId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var delivery = await connection.QuerySingleOrDefaultAsync<(long Id, string State)?>(new CommandDefinition("""
            SELECT id, state FROM deliveries
            WHERE shipment_id = @shipmentId AND recipient_id = @recipientId AND channel = 'email' AND kind = 'shipment'
            """, new { shipmentId, recipientId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (delivery is not { } d) return EmailRetryResult.NoEmail;
        switch (d.State)
        {
            case "sent": return EmailRetryResult.AlreadySent;
            // A cancelled one (its shipment ended) has lost its link just as a failed one has.
            case "failed" or "cancelled": return EmailRetryResult.FailedForGood;
            case "sending": return EmailRetryResult.Sending;
        }
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE deliveries SET next_attempt_at = @now WHERE id = @Id AND state = 'queued'",
            new { now = _time.GetUtcNow().ToUnixTimeMilliseconds(), d.Id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) return EmailRetryResult.Sending;
        Wake();
        return EmailRetryResult.Queued;
    }

    /// <summary>The shipment's deliveries (announcements, resends, sender notices), oldest first, without their content.</summary>
    public async Task<IReadOnlyList<DeliveryRecord>> DeliveriesOfShipmentAsync(long shipmentId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, long? RecipientId, string Channel, string Kind, string State, long Attempts, string? LastError, long CreatedAt,
            long? SentAt)>(new CommandDefinition("""
                SELECT id, recipient_id, channel, kind, state, attempts, last_error, created_at, sent_at FROM deliveries WHERE shipment_id = @shipmentId ORDER BY id
                """, new { shipmentId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(d => new DeliveryRecord(d.Id, d.RecipientId, d.Channel, d.Kind, d.State, d.Attempts, d.LastError,
            DateTimeOffset.FromUnixTimeMilliseconds(d.CreatedAt), d.SentAt is { } sent ? DateTimeOffset.FromUnixTimeMilliseconds(sent) : null))];
    }

    /// <summary>
    /// The shipment has ended (revoked, expired, used up): its recipients' messages that have not gone out yet are
    /// cancelled, their stored link or code erased (payload = NULL), inside the caller's transaction. Sender notices
    /// carry no secret and stay queued. Returns how many were cancelled. After the commit, call
    /// <see cref="DeleteOutboxFilesAsync"/>: a message already written to an outbox directory is erased there.
    /// </summary>
    public async Task<int> CancelUnsentAsync(SqliteConnection connection, SqliteTransaction transaction, long shipmentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var cancelled = await connection.ExecuteAsync(new CommandDefinition(CancelUnsentSql, new { shipmentId, error = ShipmentEndedError },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (cancelled > 0) LogCancelled(shipmentId, cancelled);
        return cancelled;
    }

    /// <summary>Why a cancelled delivery never went, as last_error says.</summary>
    internal const string ShipmentEndedError = "Cancelled: the shipment ended before the message was sent";

    // Only the kinds addressed to recipients carry a link or a code ('shipment', 'code-resend').
    private const string CancelUnsentSql = """
        UPDATE deliveries SET state = 'cancelled', payload = NULL, last_error = @error
        WHERE shipment_id = @shipmentId AND kind IN ('shipment', 'code-resend') AND state = 'queued'
        """;

    /// <summary>
    /// Deletes the outbox files ({deliveryId}.eml, {deliveryId}.json) of the shipment's messages to its recipients: they
    /// hold the link or the code in clear. Idempotent; returns how many files it deleted.
    /// </summary>
    public async Task<int> DeleteOutboxFilesAsync(long shipmentId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var ids = await connection.QueryAsync<(long Id, string Channel)>(new CommandDefinition(
            "SELECT id, channel FROM deliveries WHERE shipment_id = @shipmentId AND kind IN ('shipment', 'code-resend')",
            new { shipmentId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var deleted = 0;
        foreach (var (id, channel) in ids)
        {
            var name = id.ToString(System.Globalization.CultureInfo.InvariantCulture) + (channel == DeliveryChannel.Sms ? ".json" : ".eml");
            var directory = channel == DeliveryChannel.Sms ? _smsOutbox : _mailOutbox;
            if (OutboxFiles.Delete(directory, name)) deleted++;
        }
        if (deleted > 0) LogFilesDeleted(shipmentId, deleted);
        return deleted;
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

    [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Shipment {ShipmentId} recipient {RecipientId}: {Channel} notification already queued")]
    private partial void LogAlreadyQueued(long shipmentId, long recipientId, string channel);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Shipment {ShipmentId}: code resend for recipient {RecipientId} refused, hourly limit reached")]
    private partial void LogResendRateLimited(long shipmentId, long recipientId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Shipment {ShipmentId} ended: {Count} unsent recipient notifications cancelled and their content erased")]
    private partial void LogCancelled(long shipmentId, int count);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Shipment {ShipmentId} ended: {Count} outbox files deleted")]
    private partial void LogFilesDeleted(long shipmentId, int count);

    /// <summary>Deliveries pending (queued or being sent) and failed for good, keyed "pending" and "failed": the metrics' gauge.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountQueueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var (pending, failed) = await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(
            "SELECT count(*) FILTER (WHERE state IN ('queued', 'sending')), count(*) FILTER (WHERE state = 'failed') FROM deliveries WHERE state IN ('queued', 'sending', 'failed')",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new Dictionary<string, long>(StringComparer.Ordinal) { ["pending"] = pending, ["failed"] = failed };
    }

    /// <summary>
    /// When the most overdue queued delivery was due, or null when none is queued and due: a delivery due long ago
    /// means the dispatcher is not making progress (health checks ask this; deliveries waiting for a retry are not due).
    /// </summary>
    public async Task<DateTimeOffset?> OldestOverdueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var due = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MIN(next_attempt_at) FROM deliveries WHERE state = 'queued' AND next_attempt_at <= @now",
            new { now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return due is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

}
