using Dapper;
using DicomGateway.Database;

namespace DicomGateway.Audit;

/// <summary>
/// The last audit event sent to the repository (table <c>audit_export</c>). Kept in the database, so that what was
/// recorded while the repository was unreachable, or the gateway stopped, is sent when both are back.
/// </summary>
public sealed class AuditExportCursor(GatewayDatabase database, TimeProvider time)
{
    /// <summary>
    /// The cursor; when the export runs for the first time, it is set to the trail's current end: the events from
    /// before the export was enabled are not sent (they remain in the trail and its CSV export).
    /// </summary>
    public async Task<long> ReadOrStartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO audit_export (id, last_event_id, updated_at)
            SELECT 1, coalesce((SELECT max(id) FROM audit_events), 0), @Now
            WHERE NOT EXISTS (SELECT 1 FROM audit_export WHERE id = 1)
            """, new { Now = time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT last_event_id FROM audit_export WHERE id = 1",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Moves the cursor to <paramref name="eventId"/>, never back.</summary>
    public async Task AdvanceAsync(long eventId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE audit_export SET last_event_id = @EventId, updated_at = @Now WHERE id = 1 AND last_event_id < @EventId",
            new { EventId = eventId, Now = time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
