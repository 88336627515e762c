using Dapper;
using DicomGateway.Database;
using DicomGateway.Storage;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Studies;

/// <summary>
/// Start-up repair after a crash. An instance is acknowledged only once its blob is renamed into place and its
/// row committed, so anything half-done was never acknowledged and can go: partial blobs, blobs without a row,
/// rows without a blob (their study's counters are recomputed), and open studies left without instances.
/// </summary>
public sealed partial class Reconciler(GatewayDatabase database, BlobStore blobs, ILogger<Reconciler> logger)
{
    public sealed record Result(int Partials, int OrphanBlobs, int OrphanRows, int EmptyStudies);

    public async Task<Result> RunAsync(CancellationToken cancellationToken)
    {
        var partials = blobs.RemovePartials();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var known = new HashSet<string>(await connection.QueryAsync<string>(
            "SELECT blob FROM instances UNION ALL SELECT manifest_blob FROM studies WHERE manifest_blob IS NOT NULL").ConfigureAwait(false), StringComparer.Ordinal);
        var onDisk = blobs.EnumerateIds().ToHashSet(StringComparer.Ordinal);

        var orphanBlobs = 0;
        foreach (var id in onDisk.Where(id => !known.Contains(id)))
        {
            blobs.Delete(id);
            orphanBlobs++;
        }

        var rows = (await connection.QueryAsync<(long Id, long StudyId, string Blob)>("SELECT id, study_id, blob FROM instances").ConfigureAwait(false))
            .Where(r => !onDisk.Contains(r.Blob)).ToList();
        await using var tx = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
            await connection.ExecuteAsync("DELETE FROM instances WHERE id = @Id", new { row.Id }, tx).ConfigureAwait(false);
        foreach (var studyId in rows.Select(r => r.StudyId).Distinct())
        {
            await connection.ExecuteAsync(
                """
                UPDATE studies SET instance_count = (SELECT count(*) FROM instances WHERE study_id = @studyId),
                                   total_bytes = (SELECT coalesce(sum(plaintext_length), 0) FROM instances WHERE study_id = @studyId)
                WHERE id = @studyId
                """, new { studyId }, tx).ConfigureAwait(false);
        }
        // Only studies still open: a sealed or erased one keeps its row for its shipments and the audit trail.
        var empty = await connection.ExecuteAsync(
            "DELETE FROM studies WHERE state IN (@receiving, @held) AND NOT EXISTS (SELECT 1 FROM instances WHERE study_id = studies.id)",
            new { receiving = StudyStates.Receiving, held = StudyStates.Held }, tx).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);

        var result = new Result(partials, orphanBlobs, rows.Count, empty);
        if (orphanBlobs + rows.Count + empty > 0) LogRepaired(partials, orphanBlobs, rows.Count, empty);
        return result;
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Start-up repair after an interrupted run: {Partials} partial blobs, {OrphanBlobs} blobs without index row, {OrphanRows} index rows without blob, {EmptyStudies} empty studies removed (none had been acknowledged)")]
    private partial void LogRepaired(int partials, int orphanBlobs, int orphanRows, int emptyStudies);
}
