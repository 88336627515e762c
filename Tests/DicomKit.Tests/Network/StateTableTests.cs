using System.Buffers;
using System.IO.Pipelines;
using DicomKit.Network.Pdus;
using DicomKit.Network.UpperLayer;
using Microsoft.Extensions.Logging.Abstractions;
using Action = DicomKit.Network.UpperLayer.Action;

namespace DicomKit.Tests.Network;

/// <summary>Every (state, event) pair of PS3.8 Table 9-10, driven through the machine with a fake transport.</summary>
public sealed class StateTableTests
{
    // PS3.8 Table 9-10 transcribed column by column (one line per state, events 1..19), independently of the
    // row-wise table in the product, so a typo in either shows up here.
    private static readonly Dictionary<State, string> Columns = new()
    {
        [State.Sta1] = "AE1 - - - AE5 - - - - - - - - - - - - - -",
        [State.Sta2] = "- - AA1 AA1 - AE6 - - - AA1 - AA1 AA1 - - AA2 AA5 AA2 AA1",
        [State.Sta3] = "- - AA8 AA8 - AA8 AE7 AE8 - AA8 - AA8 AA8 - AA1 AA3 AA4 - AA8",
        [State.Sta4] = "- AE2 - - - - - - - - - - - - AA2 - AA4 - -",
        [State.Sta5] = "- - AE3 AE4 - AA8 - - - AA8 - AA8 AA8 - AA1 AA3 AA4 - AA8",
        [State.Sta6] = "- - AA8 AA8 - AA8 - - DT1 DT2 AR1 AR2 AA8 - AA1 AA3 AA4 - AA8",
        [State.Sta7] = "- - AA8 AA8 - AA8 - - - AR6 - AR8 AR3 - AA1 AA3 AA4 - AA8",
        [State.Sta8] = "- - AA8 AA8 - AA8 - - AR7 AA8 - AA8 AA8 AR4 AA1 AA3 AA4 - AA8",
        [State.Sta9] = "- - AA8 AA8 - AA8 - - - AA8 - AA8 AA8 AR9 AA1 AA3 AA4 - AA8",
        [State.Sta10] = "- - AA8 AA8 - AA8 - - - AA8 - AA8 AR10 - AA1 AA3 AA4 - AA8",
        [State.Sta11] = "- - AA8 AA8 - AA8 - - - AA8 - AA8 AR3 - AA1 AA3 AA4 - AA8",
        [State.Sta12] = "- - AA8 AA8 - AA8 - - - AA8 - AA8 AA8 AR4 AA1 AA3 AA4 - AA8",
        [State.Sta13] = "- - AA6 AA6 - AA7 - - - AA6 - AA6 AA6 - - AA2 AR5 AA2 AA7",
    };

    // States and events as numbers: the enums are internal to DicomKit.
    public static TheoryData<int, int> AllPairs()
    {
        var data = new TheoryData<int, int>();
        foreach (var s in Enum.GetValues<State>())
            foreach (var e in Enum.GetValues<Event>())
                data.Add((int)s, (int)e);
        return data;
    }

    private static Action Expected(State s, Event e)
    {
        var cell = Columns[s].Split(' ')[(int)e - 1];
        return cell == "-" ? Action.Invalid : Enum.Parse<Action>(cell);
    }

    // Next state and PDU sent, per action (PS3.8 Tables 9-6 to 9-9), for an acceptor.
    private static (State Next, PduType? Sent) Outcome(Action action, State from) => action switch
    {
        Action.AE1 => (State.Sta4, null),
        Action.AE2 => (State.Sta5, PduType.AssociateRq),
        Action.AE3 => (State.Sta6, null),
        Action.AE4 => (State.Sta1, null),
        Action.AE5 => (State.Sta2, null),
        Action.AE6 => (State.Sta3, null),
        Action.AE7 => (State.Sta6, PduType.AssociateAc),
        Action.AE8 => (State.Sta13, PduType.AssociateRj),
        Action.DT1 => (State.Sta6, PduType.PDataTf),
        Action.DT2 => (State.Sta6, null),
        Action.AR1 => (State.Sta7, PduType.ReleaseRq),
        Action.AR2 => (State.Sta8, null),
        Action.AR3 => (State.Sta1, null),
        Action.AR4 => (State.Sta13, PduType.ReleaseRp),
        Action.AR5 => (State.Sta1, null),
        Action.AR6 => (State.Sta7, null),
        Action.AR7 => (State.Sta8, PduType.PDataTf),
        Action.AR8 => (State.Sta10, null),
        Action.AR9 => (State.Sta11, PduType.ReleaseRp),
        Action.AR10 => (State.Sta12, null),
        Action.AA1 => (State.Sta13, PduType.Abort),
        Action.AA2 or Action.AA3 or Action.AA4 or Action.AA5 => (State.Sta1, null),
        Action.AA6 => (State.Sta13, null),
        Action.AA7 or Action.AA8 => (State.Sta13, PduType.Abort),
        _ => (State.Sta1, from is State.Sta1 or State.Sta4 ? null : PduType.Abort),
    };

    [Theory]
    [MemberData(nameof(AllPairs))]
    public async Task Every_state_and_event_runs_the_action_of_table_9_10(int sta, int evt)
    {
        var state = (State)sta;
        var @event = (Event)evt;
        var expected = Expected(state, @event);
        StateTable.Lookup(state, @event).Should().Be(expected);

        var transport = new FakeTransport();
        var machine = NewMachine(transport);
        machine.State = state;
        await machine.DispatchAsync(InputFor(@event));

        var (next, sent) = Outcome(expected, state);
        machine.State.Should().Be(next);
        transport.Sent.Select(p => (PduType?)p[0]).Should().Equal(sent is null ? [] : [sent]);
    }

    [Fact]
    public async Task A_release_collision_on_the_requestor_side_goes_through_sta9_and_sta11()
    {
        var transport = new FakeTransport();
        var machine = new AssociationMachine(transport, isRequestor: true, Limits, NullLogger.Instance, TimeProvider.System, 1) { State = State.Sta7 };

        await machine.DispatchAsync(new Input(Event.Evt12));
        machine.State.Should().Be(State.Sta9);
        machine.Indication.Should().Be(Indication.ReleaseRequested);
        await machine.DispatchAsync(new Input(Event.Evt14));
        machine.State.Should().Be(State.Sta11);
        await machine.DispatchAsync(new Input(Event.Evt13));
        machine.State.Should().Be(State.Sta1);
        machine.Indication.Should().Be(Indication.ReleaseConfirmed);
    }

    [Fact]
    public async Task A_release_collision_on_the_acceptor_side_goes_through_sta10_and_sta12()
    {
        var transport = new FakeTransport();
        var machine = NewMachine(transport);
        machine.State = State.Sta7;

        await machine.DispatchAsync(new Input(Event.Evt12));
        machine.State.Should().Be(State.Sta10);
        await machine.DispatchAsync(new Input(Event.Evt13));
        machine.State.Should().Be(State.Sta12);
        await machine.DispatchAsync(new Input(Event.Evt14));
        machine.State.Should().Be(State.Sta13);
        transport.Sent.Select(p => (PduType)p[0]).Should().Equal(PduType.ReleaseRp);
    }

    [Fact]
    public async Task Artim_expiry_after_a_silent_connect_closes_the_transport()
    {
        var transport = new FakeTransport();
        var machine = new AssociationMachine(transport, false, Limits with { ArtimTimeout = TimeSpan.FromMilliseconds(100) }, NullLogger.Instance, TimeProvider.System, 1);
        await machine.DispatchAsync(new Input(Event.Evt5));

        var input = await machine.ReadNextAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);

        input.Event.Should().Be(Event.Evt18);
        await machine.DispatchAsync(input);
        machine.State.Should().Be(State.Sta1);
        transport.Closed.Should().BeTrue();
    }

    private static readonly AssociationLimits Limits = new(65536, 65536, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));

    private static AssociationMachine NewMachine(FakeTransport transport) =>
        new(transport, isRequestor: false, Limits, NullLogger.Instance, TimeProvider.System, 1)
        {
            Request = NewRequest(),
            Accept = new AssociateAc { CalledAeTitle = "A", CallingAeTitle = "B" },
            Reject = new AssociateRj(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.NoReasonGiven),
        };

    private static AssociateRq NewRequest()
    {
        var rq = new AssociateRq { CalledAeTitle = "A", CallingAeTitle = "B" };
        rq.PresentationContexts.Add(new PresentationContextRq(1, "1.2.840.10008.1.1", ["1.2.840.10008.1.2"]));
        return rq;
    }

    private static Input InputFor(Event e) => e switch
    {
        Event.Evt3 => new Input(e) { Pdu = new AssociateAc { CalledAeTitle = "A", CallingAeTitle = "B" } },
        Event.Evt4 => new Input(e) { Pdu = new AssociateRj(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.NoReasonGiven) },
        Event.Evt6 => new Input(e) { Pdu = NewRequest() },
        Event.Evt9 => new Input(e) { ToSend = new byte[] { 0x04, 0, 0, 0, 0, 6, 0, 0, 0, 2, 1, 3 } },
        Event.Evt10 => new Input(e) { Received = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 2, 1, 3 }) },
        Event.Evt16 => new Input(e) { Pdu = new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified) },
        Event.Evt19 => new Input(e) { Reason = AbortReason.UnrecognizedPdu },
        _ => new Input(e),
    };

    private sealed class FakeTransport : ITransport
    {
        private readonly Pipe _pipe = new();
        public List<byte[]> Sent { get; } = [];
        public bool Closed { get; private set; }
        public PipeReader Input => _pipe.Reader;
        public string RemoteDescription => "fake";
        public ValueTask<bool> ConnectAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);
        public void BeforeReceive() { }

        public ValueTask SendAsync(ReadOnlyMemory<byte> pdu, CancellationToken cancellationToken)
        {
            Sent.Add(pdu.ToArray());
            return ValueTask.CompletedTask;
        }

        public void Close() => Closed = true;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
