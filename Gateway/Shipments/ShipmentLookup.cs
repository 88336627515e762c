using Dapper;
using DicomGateway.Database;
using DicomGateway.Notifications;
using Microsoft.Data.Sqlite;

namespace DicomGateway.Shipments;

/// <summary>
/// Read-only answers about shipments and their recipients for the modules that refer to them: the notification queue
/// (<see cref="INotifiedShipments"/>), the disclosure report and the administration's resend.
/// </summary>
public sealed class ShipmentLookup(GatewayDatabase database) : INotifiedShipments
{
    /// <summary>A shipment's reference and its recipients (id and e-mail), recipients in the order they were addressed.</summary>
    public sealed record Addressed(long Id, string Reference, IReadOnlyList<(long Id, string? Email)> Recipients);

    /// <summary>The shipments made of any of <paramref name="studyIds"/>.</summary>
    public async Task<IReadOnlyList<long>> IdsOfStudiesAsync(IReadOnlyCollection<long> studyIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(studyIds);
        if (studyIds.Count == 0) return [];
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT id FROM shipments WHERE study_id IN @ids", new { ids = studyIds.ToArray() }, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>The shipments among <paramref name="shipmentIds"/> that exist, by id.</summary>
    public async Task<IReadOnlyDictionary<long, Addressed>> AddressedAsync(IReadOnlyCollection<long> shipmentIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shipmentIds);
        if (shipmentIds.Count == 0) return new Dictionary<long, Addressed>();
        var ids = shipmentIds.Distinct().ToArray();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var shipments = await connection.QueryAsync<(long Id, string Reference)>(new CommandDefinition(
            "SELECT id, reference FROM shipments WHERE id IN @ids", new { ids }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var recipients = (await connection.QueryAsync<(long Id, long ShipmentId, string? Email)>(new CommandDefinition(
            "SELECT id, shipment_id, email FROM recipients WHERE shipment_id IN @ids ORDER BY id", new { ids }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToLookup(r => r.ShipmentId, r => (r.Id, r.Email));
        return shipments.ToDictionary(s => s.Id, s => new Addressed(s.Id, s.Reference, [.. recipients[s.Id]]));
    }

    /// <summary>Recipients by id (for an event naming one recipient), with their e-mail.</summary>
    public async Task<IReadOnlyDictionary<long, string?>> RecipientEmailsAsync(IReadOnlyCollection<long> recipientIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipientIds);
        if (recipientIds.Count == 0) return new Dictionary<long, string?>();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<(long Id, string? Email)>(new CommandDefinition(
            "SELECT id, email FROM recipients WHERE id IN @ids", new { ids = recipientIds.Distinct().ToArray() }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(r => r.Id, r => r.Email);
    }

    /// <summary>Whether the shipment can still be opened.</summary>
    public async Task<bool> IsActiveAsync(long shipmentId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM shipments WHERE id = @shipmentId", new { shipmentId }, cancellationToken: cancellationToken)).ConfigureAwait(false) == "active";
    }

    /// <summary>The study of the shipment, when <paramref name="recipientId"/> is one of its recipients; otherwise null.</summary>
    public async Task<long?> StudyOfRecipientAsync(long shipmentId, long recipientId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition("""
            SELECT s.study_id FROM recipients r JOIN shipments s ON s.id = r.shipment_id WHERE r.id = @recipientId AND s.id = @shipmentId
            """, new { shipmentId, recipientId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<CodeResendSource?> CodeResendSourceAsync(SqliteConnection connection, SqliteTransaction transaction, long recipientId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var row = await connection.QuerySingleOrDefaultAsync<(long ShipmentId, string? Phone, string Language, byte[]? Code, string Reference, string State)?>(
            new CommandDefinition("""
                SELECT r.shipment_id, r.phone, r.language, r.code, s.reference, s.state
                FROM recipients r JOIN shipments s ON s.id = r.shipment_id
                WHERE r.id = @recipientId
                """, new { recipientId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is { } r ? new CodeResendSource(r.ShipmentId, r.Phone, r.Language, r.Code, r.Reference, r.State == "active") : null;
    }

    public async Task<SenderNoticeSource?> SenderNoticeSourceAsync(SqliteConnection connection, SqliteTransaction transaction, long shipmentId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var row = await connection.QuerySingleOrDefaultAsync<(string Reference, string? NotifyEmail, long CreatedAt, long ExpiresAt, long? OpenedAt)?>(
            new CommandDefinition("""
                SELECT s.reference, s.notify_email, s.created_at, s.expires_at,
                       (SELECT MIN(first_opened_at) FROM recipients WHERE shipment_id = s.id)
                FROM shipments s WHERE s.id = @shipmentId
                """, new { shipmentId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is { } r
            ? new SenderNoticeSource(r.Reference, r.NotifyEmail, DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(r.ExpiresAt),
                r.OpenedAt is { } opened ? DateTimeOffset.FromUnixTimeMilliseconds(opened) : null)
            : null;
    }

    public async Task<bool> HasEndedAsync(SqliteConnection connection, SqliteTransaction transaction, long shipmentId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // 'locked' has not ended: an administrator may unlock it, and its recipients still need their messages.
        var live = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM shipments WHERE id = @shipmentId AND state IN ('active', 'locked') AND expires_at > @now)",
            new { shipmentId, now = now.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return !live;
    }

    public Task<long?> StudyOfAsync(SqliteConnection connection, SqliteTransaction transaction, long shipmentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT study_id FROM shipments WHERE id = @shipmentId", new { shipmentId }, transaction, cancellationToken: cancellationToken));
    }
}
