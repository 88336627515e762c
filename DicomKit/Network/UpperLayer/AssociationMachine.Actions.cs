using DicomKit.Network.Pdus;

namespace DicomKit.Network.UpperLayer;

/// <summary>The actions of PS3.8 Tables 9-6 to 9-9. Each comment names the cells of Table 9-10 the action serves.</summary>
internal sealed partial class AssociationMachine
{
    /// <summary>Set by AE-1: whether the transport connection opened; the user then raises Evt2 or Evt17.</summary>
    public bool Connected { get; private set; }

    // AE-1 (Sta1+Evt1): issue TRANSPORT CONNECT request.
    private async ValueTask<State> AE1(CancellationToken ct)
    {
        Connected = await _transport.ConnectAsync(ct).ConfigureAwait(false);
        return State.Sta4;
    }

    // AE-2 (Sta4+Evt2): send A-ASSOCIATE-RQ. ARTIM is not running in Sta5 (Sta5+Evt18 is blank); the idle
    // timeout of the reader bounds the wait and turns into a local A-ABORT (Evt15).
    private async ValueTask<State> AE2(CancellationToken ct)
    {
        await SendAsync(Request ?? throw new InvalidOperationException("no A-ASSOCIATE-RQ to send"), ct).ConfigureAwait(false);
        return State.Sta5;
    }

    // AE-3 (Sta5+Evt3): issue A-ASSOCIATE confirmation (accept).
    private ValueTask<State> AE3(Input input)
    {
        StopArtim();
        Accept = (AssociateAc)input.Pdu!;
        Indication = Indication.AssociateAccepted;
        return ValueTask.FromResult(State.Sta6);
    }

    // AE-4 (Sta5+Evt4): issue A-ASSOCIATE confirmation (reject), close transport.
    private ValueTask<State> AE4(Input input)
    {
        StopArtim();
        Reject = (AssociateRj)input.Pdu!;
        Indication = Indication.AssociateRejected;
        _transport.Close();
        return ValueTask.FromResult(State.Sta1);
    }

    // AE-5 (Sta1+Evt5): issue transport connection response, start ARTIM.
    private ValueTask<State> AE5()
    {
        StartArtim();
        return ValueTask.FromResult(State.Sta2);
    }

    // AE-6 (Sta2+Evt6): stop ARTIM; if the request is acceptable to the provider issue A-ASSOCIATE indication,
    // otherwise send A-ASSOCIATE-RJ and start ARTIM. The provider judges protocol version and application context;
    // AE titles and presentation contexts are the user's to judge (AE-7/AE-8).
    private async ValueTask<State> AE6(Input input, CancellationToken ct)
    {
        StopArtim();
        var rq = (AssociateRq)input.Pdu!;
        Request = rq;
        AssociateRj? reject = null;
        if ((rq.ProtocolVersion & 0x0001) == 0)
            reject = new AssociateRj(RejectResult.Permanent, RejectSource.ServiceProviderAcse, RejectReason.ProtocolVersionNotSupported);
        else if (rq.ApplicationContext != AssociateRq.DicomApplicationContext)
            reject = new AssociateRj(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.ApplicationContextNameNotSupported);
        if (reject is null)
        {
            Indication = Indication.AssociateRequested;
            return State.Sta3;
        }
        Reject = reject;
        await SendAsync(reject, ct).ConfigureAwait(false);
        StartArtim();
        Indication = Indication.AssociateRejected;
        return State.Sta13;
    }

    // AE-7 (Sta3+Evt7): send A-ASSOCIATE-AC.
    private async ValueTask<State> AE7(CancellationToken ct)
    {
        await SendAsync(Accept ?? throw new InvalidOperationException("no A-ASSOCIATE-AC to send"), ct).ConfigureAwait(false);
        return State.Sta6;
    }

    // AE-8 (Sta3+Evt8): send A-ASSOCIATE-RJ, start ARTIM.
    private async ValueTask<State> AE8(CancellationToken ct)
    {
        await SendAsync(Reject ?? throw new InvalidOperationException("no A-ASSOCIATE-RJ to send"), ct).ConfigureAwait(false);
        StartArtim();
        return State.Sta13;
    }

    // DT-1 (Sta6+Evt9): send P-DATA-TF.
    private async ValueTask<State> DT1(Input input, CancellationToken ct)
    {
        await SendRawAsync(input.ToSend, ct).ConfigureAwait(false);
        return State.Sta6;
    }

    // DT-2 (Sta6+Evt10): issue P-DATA indication.
    private ValueTask<State> DT2()
    {
        Indication = Indication.Data;
        return ValueTask.FromResult(State.Sta6);
    }

    // AR-1 (Sta6+Evt11): send A-RELEASE-RQ. As in Sta5, the idle timeout bounds the wait for the reply.
    private async ValueTask<State> AR1(CancellationToken ct)
    {
        await SendAsync(ReleaseRq.Instance, ct).ConfigureAwait(false);
        return State.Sta7;
    }

    // AR-2 (Sta6+Evt12): issue A-RELEASE indication.
    private ValueTask<State> AR2()
    {
        Indication = Indication.ReleaseRequested;
        return ValueTask.FromResult(State.Sta8);
    }

    // AR-3 (Sta7+Evt13, Sta11+Evt13): issue A-RELEASE confirmation, close transport.
    private ValueTask<State> AR3()
    {
        StopArtim();
        Indication = Indication.ReleaseConfirmed;
        _transport.Close();
        return ValueTask.FromResult(State.Sta1);
    }

    // AR-4 (Sta8+Evt14, Sta12+Evt14): send A-RELEASE-RP, start ARTIM.
    private async ValueTask<State> AR4(CancellationToken ct)
    {
        await SendAsync(ReleaseRp.Instance, ct).ConfigureAwait(false);
        StartArtim();
        return State.Sta13;
    }

    // AR-5 (Sta13+Evt17): stop ARTIM.
    private ValueTask<State> AR5()
    {
        StopArtim();
        _transport.Close();
        return ValueTask.FromResult(State.Sta1);
    }

    // AR-6 (Sta7+Evt10): issue P-DATA indication; the peer may still answer while our release is pending.
    private ValueTask<State> AR6()
    {
        Indication = Indication.Data;
        return ValueTask.FromResult(State.Sta7);
    }

    // AR-7 (Sta8+Evt9): send P-DATA-TF; we may still answer while the peer's release is pending.
    private async ValueTask<State> AR7(Input input, CancellationToken ct)
    {
        await SendRawAsync(input.ToSend, ct).ConfigureAwait(false);
        return State.Sta8;
    }

    // AR-8 (Sta7+Evt12): release collision; issue A-RELEASE indication. The requestor goes to Sta9, the acceptor to Sta10.
    private ValueTask<State> AR8()
    {
        Indication = Indication.ReleaseRequested;
        return ValueTask.FromResult(IsRequestor ? State.Sta9 : State.Sta10);
    }

    // AR-9 (Sta9+Evt14): send A-RELEASE-RP.
    private async ValueTask<State> AR9(CancellationToken ct)
    {
        await SendAsync(ReleaseRp.Instance, ct).ConfigureAwait(false);
        return State.Sta11;
    }

    // AR-10 (Sta10+Evt13): issue A-RELEASE confirmation.
    private ValueTask<State> AR10()
    {
        Indication = Indication.ReleaseConfirmed;
        return ValueTask.FromResult(State.Sta12);
    }

    // AA-1 (Sta2+Evt3/4/10/12/13/19, Sta3/5-12+Evt15): send A-ABORT (service-user source), (re)start ARTIM.
    private async ValueTask<State> AA1(Input input, CancellationToken ct)
    {
        AbortDetail ??= input.Detail ?? (input.Event == Event.Evt15 ? "aborted locally" : $"unexpected PDU ({input.Event}) before A-ASSOCIATE-RQ");
        await SendAsync(new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified), ct).ConfigureAwait(false);
        StartArtim();
        return State.Sta13;
    }

    // AA-2 (Sta2+Evt16, Sta2+Evt18, Sta4+Evt15, Sta13+Evt16, Sta13+Evt18): stop ARTIM if running, close transport.
    private ValueTask<State> AA2(Input input)
    {
        StopArtim();
        if (input.Event == Event.Evt16)
            ReceivedAbort = (AbortPdu)input.Pdu!;
        if (input.Event == Event.Evt18)
            AbortDetail ??= "ARTIM timer expired";
        Indication = Indication.Aborted;
        _transport.Close();
        return ValueTask.FromResult(State.Sta1);
    }

    // AA-3 (Sta3/5-12+Evt16): issue A-ABORT or A-P-ABORT indication per the PDU's source, close transport.
    private ValueTask<State> AA3(Input input)
    {
        var abort = (AbortPdu)input.Pdu!;
        ReceivedAbort = abort;
        AbortDetail ??= $"peer sent A-ABORT (source {abort.Source}, reason {abort.Reason})";
        Indication = Indication.Aborted;
        _transport.Close();
        return ValueTask.FromResult(State.Sta1);
    }

    // AA-4 (Sta3-12+Evt17): issue A-P-ABORT indication.
    private ValueTask<State> AA4(Input input)
    {
        StopArtim();
        AbortDetail ??= input.Detail ?? "connection closed by peer";
        Indication = Indication.Aborted;
        _transport.Close();
        return ValueTask.FromResult(State.Sta1);
    }

    // AA-5 (Sta2+Evt17): stop ARTIM.
    private ValueTask<State> AA5()
    {
        StopArtim();
        _transport.Close();
        return ValueTask.FromResult(State.Sta1);
    }

    // AA-6 (Sta13+Evt3/4/10/12/13): ignore the PDU.
    private static ValueTask<State> AA6() => ValueTask.FromResult(State.Sta13);

    // AA-7 (Sta13+Evt6, Sta13+Evt19): send A-ABORT PDU.
    private async ValueTask<State> AA7(Input input, CancellationToken ct)
    {
        var reason = input.Event == Event.Evt19 ? input.Reason : AbortReason.UnexpectedPdu;
        await SendAsync(new AbortPdu(AbortSource.ServiceProvider, reason), ct).ConfigureAwait(false);
        return State.Sta13;
    }

    // AA-8 (Sta3/5-12 + Evt3/4/6/10/12/13/19, where the PDU is unexpected or invalid): send A-ABORT
    // (service-provider source), issue A-P-ABORT indication, start ARTIM.
    private async ValueTask<State> AA8(Input input, CancellationToken ct)
    {
        var reason = input.Event == Event.Evt19 ? input.Reason : AbortReason.UnexpectedPdu;
        AbortDetail ??= input.Detail ?? $"unexpected PDU ({input.Event}) in {State}";
        await SendAsync(new AbortPdu(AbortSource.ServiceProvider, reason), ct).ConfigureAwait(false);
        Indication = Indication.Aborted;
        StartArtim();
        return State.Sta13;
    }

    // A blank cell of Table 9-10. It cannot happen with a correct peer and a correct user, so it is treated as a
    // protocol error: abort if a connection exists, close, and go idle. Never a silent ignore.
    private async ValueTask<State> InvalidPair(Input input, CancellationToken ct)
    {
        NetworkLog.InvalidTransition(_logger, Id, State.ToString(), input.Event.ToString());
        if (State is not State.Sta1 and not State.Sta4)
            await SendAsync(new AbortPdu(AbortSource.ServiceProvider, AbortReason.UnexpectedPdu), ct).ConfigureAwait(false);
        AbortDetail ??= $"no transition for {State} + {input.Event}";
        StopArtim();
        Indication = Indication.Aborted;
        _transport.Close();
        return State.Sta1;
    }
}
