using System.Net;
using DicomKit.Network.Dimse;
using DicomKit.Network.Pdus;
using DicomKit.Network.Services;
using DicomKit.Network.UpperLayer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DicomKit.Network;

/// <summary>
/// The requestor side: opens associations on which the caller sends C-ECHO and C-STORE.
/// </summary>
/// <remarks>
/// An association, not a connection pool: one <see cref="DicomClientAssociation"/> is one sequential
/// conversation (asynchronous operations window 1), and the caller decides how many to run in parallel.
/// </remarks>
public static class DicomClient
{
    private static long _nextId;

    /// <summary>
    /// Connects and negotiates. Throws <see cref="DicomAssociationRejectedException"/> on A-ASSOCIATE-RJ and
    /// <see cref="DicomNetworkException"/> when the peer cannot be reached or aborts.
    /// </summary>
    public static async Task<DicomClientAssociation> AssociateAsync(DicomClientOptions options, IEnumerable<PresentationContextProposal> proposals,
        ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(proposals);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(typeof(DicomClient));
        var address = IPAddress.TryParse(options.Host, out var ip)
            ? ip
            : (await Dns.GetHostAddressesAsync(options.Host, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
              ?? throw new DicomNetworkException($"host {options.Host} has no address");
        var rq = new AssociateRq
        {
            CalledAeTitle = options.CalledAeTitle,
            CallingAeTitle = options.CallingAeTitle,
            UserInformation = UserInformation.Ours(options.MaxPduLength),
        };
        byte id = 1;
        foreach (var p in proposals)
        {
            if (rq.PresentationContexts.Count == AssociateRq.MaxPresentationContexts)
                throw new ArgumentException("more than 128 presentation contexts", nameof(proposals));
            rq.PresentationContexts.Add(new PresentationContextRq(id, p.AbstractSyntax, p.TransferSyntaxes));
            if (p.RequestorIsScp && rq.UserInformation.RoleSelections.All(r => r.SopClassUid != p.AbstractSyntax))
                rq.UserInformation.RoleSelections.Add(new RoleSelection(p.AbstractSyntax, ScuRole: false, ScpRole: true));
            id += 2;
        }
        var limits = new AssociationLimits(options.MaxPduLength, AssociationLimits.DefaultMaxAssociatePdu, options.ArtimTimeout, options.ResponseTimeout);
        var machine = new AssociationMachine(new SocketTransport(new IPEndPoint(address, options.Port), options.Tls, options.Host, options.ResponseTimeout), isRequestor: true, limits, logger,
            timeProvider ?? TimeProvider.System, Interlocked.Increment(ref _nextId)) { Request = rq };
        try
        {
            await machine.DispatchAsync(new Input(Event.Evt1), cancellationToken).ConfigureAwait(false);
            if (!machine.Connected)
            {
                await machine.DispatchAsync(new Input(Event.Evt17), cancellationToken).ConfigureAwait(false);
                throw new DicomNetworkException($"cannot connect to {options.Host}:{options.Port}");
            }
            await machine.DispatchAsync(new Input(Event.Evt2), cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var input = await machine.ReadNextAsync(cancellationToken).ConfigureAwait(false);
                await machine.DispatchAsync(input, cancellationToken).ConfigureAwait(false);
                switch (machine.Indication)
                {
                    case Indication.AssociateAccepted:
                        return new DicomClientAssociation(machine, options, logger);
                    case Indication.AssociateRejected:
                        var rj = machine.Reject!;
                        throw new DicomAssociationRejectedException(rj.Result, rj.Source, rj.Reason);
                }
                if (machine.State is State.Sta1 or State.Sta13)
                    throw new DicomAssociationAbortedException(machine.AbortDetail ?? "association failed");
            }
        }
        catch
        {
            await machine.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
