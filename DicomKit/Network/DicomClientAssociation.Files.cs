using DicomKit.IO;

namespace DicomKit.Network;

public sealed partial class DicomClientAssociation
{
    /// <summary>
    /// C-STORE of a Part-10 file, streamed from disk. Sends in the file's own syntax when the peer accepted it for
    /// the SOP class, else transcodes on the fly to an accepted uncompressed syntax (Explicit VR LE first). Throws
    /// <see cref="DicomPresentationContextException"/> when no accepted context can carry the file.
    /// </summary>
    public async Task<StoreResult> StoreFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var source = DicomInstanceSource.Open(path);
        var target = ChooseSyntax(source)
            ?? throw new DicomPresentationContextException(source.SopClassUid, source.TransferSyntax.Uid);
        var stream = source.OpenDataset(target, out var length);
        await using (stream.ConfigureAwait(false))
        {
            return await StoreAsync(new StoreRequest(source.SopClassUid, source.SopInstanceUid, target.Uid, stream, length), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    private DicomTransferSyntax? ChooseSyntax(DicomInstanceSource source)
    {
        if (FindContext(source.SopClassUid, source.TransferSyntax.Uid) is not null)
            return source.TransferSyntax;
        return AcceptedContexts
            .Where(c => c.AbstractSyntax == source.SopClassUid)
            .Select(c => DicomTransferSyntax.FromUid(c.TransferSyntax))
            .Where(ts => source.CanSendAs(ts))
            .OrderBy(ts => ts.Uid == DicomTransferSyntax.ExplicitVRLittleEndian.Uid ? 0 : ts.Uid == DicomTransferSyntax.ImplicitVRLittleEndian.Uid ? 1 : 2)
            .FirstOrDefault();
    }

    /// <summary>
    /// The presentation contexts to propose for sending these files: per SOP class, each stored syntax, plus
    /// Explicit and Implicit VR LE for uncompressed data so a peer that accepts only those can still receive.
    /// </summary>
    public static IReadOnlyList<PresentationContextProposal> ProposalsFor(IEnumerable<DicomInstanceSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var result = new List<PresentationContextProposal>();
        foreach (var group in sources.GroupBy(s => s.SopClassUid, StringComparer.Ordinal))
        {
            foreach (var stored in group.Select(s => s.TransferSyntax).DistinctBy(t => t.Uid))
            {
                var list = new List<string> { stored.Uid };
                if (!stored.IsEncapsulated)
                {
                    foreach (var extra in new[] { DicomTransferSyntax.ExplicitVRLittleEndian, DicomTransferSyntax.ImplicitVRLittleEndian })
                        if (!list.Contains(extra.Uid)) list.Add(extra.Uid);
                }
                result.Add(new PresentationContextProposal(group.Key, list));
            }
        }
        return result;
    }
}
