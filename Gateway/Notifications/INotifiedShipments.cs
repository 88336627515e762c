using Microsoft.Data.Sqlite;

namespace DicomGateway.Notifications;

/// <summary>
/// What the notification queue needs to know about the shipments it announces, from their owner (Shipments implements
/// it): read in the caller's transaction, so a notice is composed from the shipment as that transaction sees it.
/// </summary>
public interface INotifiedShipments
{
    /// <summary>What a code resend to the recipient is made from; null when there is no such recipient.</summary>
    Task<CodeResendSource?> CodeResendSourceAsync(SqliteConnection connection, SqliteTransaction transaction, long recipientId, CancellationToken cancellationToken);

    /// <summary>What the sender-side notice of the shipment is made from; null when there is no such shipment.</summary>
    Task<SenderNoticeSource?> SenderNoticeSourceAsync(SqliteConnection connection, SqliteTransaction transaction, long shipmentId, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the shipment can no longer be opened at <paramref name="now"/>: revoked, expired (by the clock, even before
    /// the sweeper records it), used up or erased, or there is no such shipment. A message to its recipients is then not sent.
    /// </summary>
    Task<bool> HasEndedAsync(SqliteConnection connection, SqliteTransaction transaction, long shipmentId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The study the shipment was made of, for the audit event of a delivery; null when there is no such shipment.</summary>
    Task<long?> StudyOfAsync(SqliteConnection connection, SqliteTransaction transaction, long shipmentId, CancellationToken cancellationToken);
}

/// <param name="ProtectedCode">The recipient's SMS code under the gateway key; null once the shipment's keys are erased.</param>
/// <param name="Active">Whether the shipment can still be opened (a code is worth sending).</param>
public sealed record CodeResendSource(long ShipmentId, string? Phone, string Language, byte[]? ProtectedCode, string Reference, bool Active);

/// <param name="OpenedAt">When a recipient first opened the shipment, if one has.</param>
public sealed record SenderNoticeSource(string Reference, string? NotifyEmail, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? OpenedAt);
