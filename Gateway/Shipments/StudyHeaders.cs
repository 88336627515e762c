using DicomGateway.Audit;
using DicomGateway.Routing;
using DicomGateway.Storage;
using DicomGateway.Studies;

namespace DicomGateway.Shipments;

/// <summary>
/// The studies the gateway can still read, for a dry run of the routing rules: those receiving instances, held for
/// an administrator, or sealed but waiting to be forwarded (their gateway-wrapped key is kept until then). A sealed
/// study's key is gone, so it cannot be offered: by design only its recipients can read it.
/// </summary>
public sealed class StudyHeaders(StudyStore studies, BlobStore blobs, AuditTrail audit) : IStudyHeaders
{
    private const int MaxListed = 200;

    private static readonly StudyState[] Readable = [StudyState.Receiving, StudyState.Held, StudyState.Sealed];

    public async Task<IReadOnlyList<DryRunStudy>> ListReadableAsync(CancellationToken cancellationToken)
    {
        var readable = await studies.ListNewestAsync(Readable, readableOnly: true, MaxListed, cancellationToken).ConfigureAwait(false);
        return [.. readable.Select(s => new DryRunStudy(s.Id, s.State.Name(), s.CallingAeTitle, s.CalledAeTitle, s.FirstReceivedAt, (int)s.InstanceCount))];
    }

    public async Task<RoutingInput?> ReadAsync(long studyId, string actor, string? actorAddress, CancellationToken cancellationToken)
    {
        var study = await studies.FindAsync(studyId, cancellationToken).ConfigureAwait(false);
        if (study is null || !study.IsReadable || !Readable.Contains(study.State)) return null;
        if (await studies.FirstInstanceAsync(studyId, cancellationToken).ConfigureAwait(false) is not { } first) return null;
        // The header (any attribute, the patient's name included) is read for rules an administrator may have written
        // to probe it: every read is an access in the audit trail, as showing a held study is.
        await audit.RecordAsync(new AuditEvent
        {
            EventId = AuditEventIds.InstancesAccessed,
            Action = AuditAction.Read,
            Outcome = AuditOutcome.Success,
            ActorKind = AuditActorKind.Administrator,
            Actor = actor,
            ActorAddress = actorAddress,
            StudyId = studyId,
            PatientRef = study.PatientRef,
            Detail = new { what = "study header read for a dry run of the routing rules" },
        }, cancellationToken).ConfigureAwait(false);
        using var dataKey = studies.LendKey(study);
        return new RoutingInput
        {
            CallingAeTitle = study.CallingAeTitle,
            CalledAeTitle = study.CalledAeTitle,
            RemoteAddress = study.RemoteHost,
            ReceivedAt = study.FirstReceivedAt,
            Header = StudyReader.ReadHeader(blobs, first, dataKey),
        };
    }
}
