using DicomGateway.Audit;
using DicomKit.Network;

namespace DicomGateway.Ingest;

/// <summary>The audit event of an association refused for who called (PS3.15 A.5.3.11 Security Alert, Node Authentication).</summary>
internal static class CallerAudit
{
    /// <summary>
    /// The event for <paramref name="refusal"/>: the calling and called AE titles, the address and the A-ASSOCIATE-RJ
    /// reason, in words that do not depend on the address, so that a flood from many addresses still makes few rows.
    /// Nothing of a data set: none has been read.
    /// </summary>
    public static AuditEvent Refused(CallerRefusal refusal) => new()
    {
        EventId = AuditEventIds.SecurityAlert,
        EventType = AuditEventTypes.NodeAuthentication,
        Action = AuditAction.Execute,
        Outcome = AuditOutcome.MinorFailure,
        ActorKind = AuditActorKind.Node,
        Actor = refusal.CallingAeTitle,
        ActorAddress = refusal.Address?.ToString(),
        Detail = new
        {
            what = "association rejected",
            callingAeTitle = refusal.CallingAeTitle,
            calledAeTitle = refusal.CalledAeTitle,
            rejectReason = refusal.Reason,
            reason = refusal.Reason switch
            {
                3 => "calling AE title not recognized",
                7 => "called AE title not recognized",
                _ => "refused",
            },
            // Which check refused a registered node's title; never the certificate itself.
            cause = refusal.Status switch
            {
                CallerStatus.NotListed => "not a node allowed to send",
                CallerStatus.WrongAddress => "registered node calling from another address",
                CallerStatus.CertificateMissing => "registered node requires a TLS client certificate and presented none",
                CallerStatus.WrongCertificate => "registered node presented a TLS client certificate that is not its own",
                _ => null,
            },
        },
    };
}
