using System.Net;
using System.Security.Cryptography.X509Certificates;
using DicomKit.Network.Pdus;

namespace DicomKit.Network.Services;

/// <summary>
/// The acceptor's answer to an A-ASSOCIATE-RQ: who may call, and which presentation contexts and transfer syntaxes
/// are accepted. Pure functions of the request and the options, so the rules are testable without a socket.
/// </summary>
internal static class ScpNegotiation
{
    /// <summary>
    /// Why a request is refused, or null to accept it. AE titles compare exactly, after trimming spaces. A caller must
    /// pass every allow-list in effect (<see cref="DicomListenerOptions.AllowedCallingAeTitles"/> when not empty, the
    /// owner's <see cref="DicomListenerOptions.IdentifyCaller"/>), including the address its entry allows; when
    /// <see cref="DicomListenerOptions.AcceptUnknownCallers"/> is false, one of them must also name it.
    /// <paramref name="certificate"/> is the client certificate of the TLS handshake, which the owner may require of a caller.
    /// </summary>
    public static async Task<(AssociateRj Reject, string Why, CallerStatus? Status)?> CheckCallerAsync(AssociateRq rq, DicomListenerOptions options, IPAddress? remote,
        Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken ct, X509Certificate2? certificate = null)
    {
        if (!string.Equals(rq.CalledAeTitle, options.AeTitle.Trim(), StringComparison.Ordinal) && options.AcceptsCalledAeTitle?.Invoke(rq.CalledAeTitle) != true)
            return (new AssociateRj(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeTitleNotRecognized),
                $"called AE title '{rq.CalledAeTitle}' is not ours ('{options.AeTitle}')", null);
        var known = false;
        if (options.AllowedCallingAeTitles.Count > 0)
        {
            if (!options.AllowedCallingAeTitles.TryGetValue(rq.CallingAeTitle, out var hosts))
                return CallingRefused($"calling AE title '{rq.CallingAeTitle}' is not in the allowed list");
            if (!await HostAllowedAsync(hosts, remote, resolve, ct).ConfigureAwait(false))
                return CallingRefused($"calling AE title '{rq.CallingAeTitle}' is not allowed from {remote}");
            known = true;
        }
        if (options.IdentifyCaller is { } identify)
        {
            switch (await identify(rq.CallingAeTitle, remote, certificate, ct).ConfigureAwait(false))
            {
                case CallerStatus.NotListed:
                    return CallingRefused($"calling AE title '{rq.CallingAeTitle}' is not a registered node allowed to send", CallerStatus.NotListed);
                case CallerStatus.WrongAddress:
                    return CallingRefused($"calling AE title '{rq.CallingAeTitle}' is registered, but not for address {remote}", CallerStatus.WrongAddress);
                case CallerStatus.CertificateMissing:
                    return CallingRefused($"calling AE title '{rq.CallingAeTitle}' must present its TLS client certificate and presented none", CallerStatus.CertificateMissing);
                case CallerStatus.WrongCertificate:
                    return CallingRefused($"calling AE title '{rq.CallingAeTitle}' presented a TLS client certificate that is not the one registered for it", CallerStatus.WrongCertificate);
                case CallerStatus.Allowed:
                    known = true;
                    break;
            }
        }
        if (!known && !options.AcceptUnknownCallers)
            return CallingRefused($"calling AE title '{rq.CallingAeTitle}' is unknown and unknown callers are not accepted");
        return null;
    }

    private static (AssociateRj, string, CallerStatus?) CallingRefused(string why, CallerStatus? status = null) =>
        (new AssociateRj(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeTitleNotRecognized), why, status);

    private static async Task<bool> HostAllowedAsync(string? hosts, IPAddress? remote, Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(hosts) || hosts.Trim() == "*")
            return true;
        if (remote is null)
            return false;
        if (remote.IsIPv4MappedToIPv6)
            remote = remote.MapToIPv4();
        foreach (var entry in hosts.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry == "*")
                return true;
            if (entry.Contains('/', StringComparison.Ordinal))
            {
                if (IPNetwork.TryParse(entry, out var network) && network.Contains(remote))
                    return true;
                continue;
            }
            var addresses = IPAddress.TryParse(entry, out var ip) ? [ip] : await resolve(entry, ct).ConfigureAwait(false);
            if (addresses.Any(a => (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(remote)))
                return true;
        }
        return false;
    }

    /// <summary>
    /// Builds the A-ASSOCIATE-AC. Verification and every storage SOP class are accepted; for a storage context the
    /// transfer syntax is the first proposed one that matches the preference list (<see cref="DicomListenerOptions.PreferredTransferSyntaxes"/>,
    /// or the caller's own list), else the first proposed syntax the standard defines: the SCP stores bytes as sent.
    /// Verification, and Storage Commitment Push Model when the owner serves it, take Explicit, then Implicit VR Little Endian.
    /// </summary>
    public static AssociateAc Accept(AssociateRq rq, DicomListenerOptions options)
    {
        var ac = new AssociateAc
        {
            CalledAeTitle = rq.CalledAeTitle,
            CallingAeTitle = rq.CallingAeTitle,
            UserInformation = UserInformation.Ours(options.MaxPduLength),
        };
        var preferences = options.PreferredTransferSyntaxesFor?.Invoke(rq.CallingAeTitle) is { Count: > 0 } own
            ? own
            : options.EffectivePreferredTransferSyntaxes;
        var seen = new HashSet<byte>();
        var acceptedSyntaxes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pc in rq.PresentationContexts)
        {
            var (result, ts) = Choose(pc, preferences, options.StorageCommitmentHandler is not null);
            if ((pc.Id & 1) == 0 || !seen.Add(pc.Id))
                result = PresentationContextResult.NoReason; // ids must be odd and unique (PS3.8 9.3.2.2)
            if (result == PresentationContextResult.Acceptance)
                acceptedSyntaxes.Add(pc.AbstractSyntax);
            ac.PresentationContexts.Add(new PresentationContextAc(pc.Id, result, ts));
        }
        var user = rq.UserInformation;
        if (user.AsynchronousOperationsWindow is not null)
            ac.UserInformation.AsynchronousOperationsWindow = (1, 1); // we perform one operation at a time
        foreach (var role in user.RoleSelections)
        {
            // The peer may be SCU (it sends us C-STOREs, or asks us for storage commitment). We act as SCU on its
            // associations only for Storage Commitment: a requester that offers the SCP role too is accepted in it, so
            // the N-EVENT-REPORT may go on this association later (PS3.7 D.3.3.4, PS3.4 J.3.3).
            if (!acceptedSyntaxes.Contains(role.SopClassUid))
                continue;
            var commitment = role.SopClassUid == StorageCommitmentUids.SopClass && options.StorageCommitmentHandler is not null;
            ac.UserInformation.RoleSelections.Add(new RoleSelection(role.SopClassUid, role.ScuRole, ScpRole: commitment && role.ScpRole));
        }
        return ac;
    }

    private static (PresentationContextResult, string) Choose(PresentationContextRq pc, IReadOnlyList<string> preferences, bool commitment)
    {
        var first = pc.TransferSyntaxes.Count > 0 ? pc.TransferSyntaxes[0] : KnownUids.ImplicitVRLittleEndian;
        if (pc.AbstractSyntax == KnownUids.Verification || (commitment && pc.AbstractSyntax == StorageCommitmentUids.SopClass))
        {
            if (pc.TransferSyntaxes.Contains(KnownUids.ExplicitVRLittleEndian))
                return (PresentationContextResult.Acceptance, KnownUids.ExplicitVRLittleEndian);
            if (pc.TransferSyntaxes.Contains(KnownUids.ImplicitVRLittleEndian))
                return (PresentationContextResult.Acceptance, KnownUids.ImplicitVRLittleEndian);
            return (PresentationContextResult.TransferSyntaxesNotSupported, first);
        }
        if (!KnownUids.IsStorageSopClass(pc.AbstractSyntax))
            return (PresentationContextResult.AbstractSyntaxNotSupported, first);
        foreach (var preference in preferences)
        {
            foreach (var ts in pc.TransferSyntaxes)
            {
                if (Matches(preference, ts))
                    return (PresentationContextResult.Acceptance, ts);
            }
        }
        foreach (var ts in pc.TransferSyntaxes)
        {
            if (KnownUids.IsTransferSyntax(ts))
                return (PresentationContextResult.Acceptance, ts);
        }
        return (PresentationContextResult.TransferSyntaxesNotSupported, first);
    }

    /// <summary>
    /// Whether the proposed syntax <paramref name="ts"/> is what the preference entry names: the UID itself, or, for
    /// <see cref="DicomListenerOptions.Compressed"/>, any encapsulated (compressed) syntax the standard defines.
    /// </summary>
    private static bool Matches(string preference, string ts) =>
        preference == DicomListenerOptions.Compressed
            ? KnownUids.IsTransferSyntax(ts) && DicomKit.IO.DicomTransferSyntax.FromUid(ts).IsEncapsulated
            : string.Equals(preference, ts, StringComparison.Ordinal);
}
