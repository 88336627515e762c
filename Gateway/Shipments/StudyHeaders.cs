using System.Security.Cryptography;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Routing;
using DicomGateway.Storage;

namespace DicomGateway.Shipments;

/// <summary>
/// The studies the gateway can still read, for a dry run of the routing rules: those receiving instances, held for
/// an administrator, or sealed but waiting to be forwarded (their gateway-wrapped key is kept until then). A sealed
/// study's key is gone, so it cannot be offered: by design only its recipients can read it.
/// </summary>
public sealed class StudyHeaders(GatewayDatabase database, BlobStore blobs, ISecretProtector protector, AuditTrail audit) : IStudyHeaders
{
    private const int MaxListed = 200;

    public async Task<IReadOnlyList<DryRunStudy>> ListReadableAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, string State, string CallingAe, string CalledAe, long FirstReceivedAt, long InstanceCount)>(
            """
            SELECT id, state, calling_ae, called_ae, first_received_at, instance_count FROM studies
            WHERE wrapped_key IS NOT NULL AND state IN ('receiving', 'held', 'sealed')
            ORDER BY last_received_at DESC LIMIT @MaxListed
            """, new { MaxListed }).ConfigureAwait(false);
        return [.. rows.Select(r => new DryRunStudy(r.Id, r.State, r.CallingAe, r.CalledAe, DateTimeOffset.FromUnixTimeMilliseconds(r.FirstReceivedAt), (int)r.InstanceCount))];
    }

    public async Task<RoutingInput?> ReadAsync(long studyId, string actor, string? actorAddress, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var study = await connection.QuerySingleOrDefaultAsync<(byte[] WrappedKey, string CallingAe, string CalledAe, string? RemoteHost, long FirstReceivedAt, byte[]? PatientRef)?>(
            "SELECT wrapped_key, calling_ae, called_ae, remote_host, first_received_at, patient_ref FROM studies WHERE id = @studyId AND wrapped_key IS NOT NULL AND state IN ('receiving', 'held', 'sealed')",
            new { studyId }).ConfigureAwait(false);
        if (study is not { } s) return null;
        var first = await connection.QuerySingleOrDefaultAsync<(string Blob, long Ordinal)?>(
            "SELECT blob, ordinal FROM instances WHERE study_id = @studyId ORDER BY ordinal LIMIT 1", new { studyId }).ConfigureAwait(false);
        if (first is not { } f) return null;
        // The header (any attribute, the patient's name included) is read for rules an administrator may have written
        // to probe it: every read is an access in the audit trail, as showing a held study is.
        await audit.RecordAsync(connection, null, new AuditEvent
        {
            EventId = AuditEventIds.InstancesAccessed,
            Action = AuditAction.Read,
            Outcome = AuditOutcome.Success,
            ActorKind = AuditActorKind.Administrator,
            Actor = actor,
            ActorAddress = actorAddress,
            StudyId = studyId,
            PatientRef = s.PatientRef,
            Detail = new { what = "study header read for a dry run of the routing rules" },
        }, cancellationToken).ConfigureAwait(false);
        var dataKey = protector.Unprotect(OpenStudies.KeyPurpose, s.WrappedKey);
        try
        {
            return new RoutingInput
            {
                CallingAeTitle = s.CallingAe,
                CalledAeTitle = s.CalledAe,
                RemoteAddress = s.RemoteHost,
                ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(s.FirstReceivedAt),
                Header = StudyReader.ReadHeader(blobs, f.Blob, (uint)f.Ordinal, dataKey),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }
}
