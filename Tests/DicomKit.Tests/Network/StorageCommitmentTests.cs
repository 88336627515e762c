using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Network;
using DicomKit.Network.Dimse;
using DicomKit.Network.Pdus;
using DicomKit.Network.Services;
using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Network;

/// <summary>
/// Storage Commitment Push Model (PS3.4 Annex J) between a DicomKit client and a DicomKit listener: the N-ACTION is
/// answered with the status PS3.7 gives for each defect, a valid one is reported on the same association, and a
/// requester that releases before answering the report leaves its delivery to the owner.
/// </summary>
public sealed class StorageCommitmentTests(ITestOutputHelper output)
{
    private const string CtImage = "1.2.840.10008.5.1.4.1.1.2";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    /// <summary>Commits every instance whose UID starts with "1.2.3." and fails the rest as unknown.</summary>
    private sealed class Handler : IStorageCommitmentHandler
    {
        public ConcurrentQueue<(StorageCommitmentContext Context, StorageCommitmentRequest Request)> Accepted { get; } = new();
        public TaskCompletionSource<DimseStatus?> Reported { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<DimseStatus> AcceptAsync(StorageCommitmentContext context, StorageCommitmentRequest request, CancellationToken cancellationToken)
        {
            Accepted.Enqueue((context, request));
            return ValueTask.FromResult(DimseStatus.Success);
        }

        public ValueTask<StorageCommitmentResult?> EvaluateAsync(StorageCommitmentContext context, StorageCommitmentRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult<StorageCommitmentResult?>(new StorageCommitmentResult(request.TransactionUid,
                [.. request.ReferencedSops.Where(s => s.SopInstanceUid.StartsWith("1.2.3.", StringComparison.Ordinal))],
                [.. request.ReferencedSops.Where(s => !s.SopInstanceUid.StartsWith("1.2.3.", StringComparison.Ordinal))
                    .Select(s => new FailedSop(s.SopClassUid, s.SopInstanceUid, CommitmentFailureReason.NoSuchObjectInstance))]));

        public ValueTask ReportedAsync(StorageCommitmentContext context, StorageCommitmentResult result, DimseStatus? status, CancellationToken cancellationToken)
        {
            Reported.TrySetResult(status);
            return ValueTask.CompletedTask;
        }
    }

    private async Task<(ListenerHarness Scp, Handler Handler)> StartAsync()
    {
        var handler = new Handler();
        var scp = await ListenerHarness.StartAsync(output, null, o => o.StorageCommitmentHandler = handler);
        return (scp, handler);
    }

    private static Task<DicomClientAssociation> AssociateAsync(int port, params PresentationContextProposal[] proposals) =>
        DicomClient.AssociateAsync(new DicomClientOptions { Port = port, CalledAeTitle = ListenerHarness.AeTitle, CallingAeTitle = "MODALITY", ResponseTimeout = Bound },
            proposals.Length == 0 ? [PresentationContextProposal.StorageCommitment] : proposals);

    private static StorageCommitmentRequest Request(params string[] instances) =>
        new("2.25.1234567", [.. instances.Select(i => new ReferencedSop(CtImage, i))]);

    [Fact]
    public async Task Report_on_the_same_association_lists_committed_and_failed_instances()
    {
        var (scp, handler) = await StartAsync();
        await using var _ = scp;
        await using var association = await AssociateAsync(scp.Port);

        var status = await association.RequestStorageCommitmentAsync(Request("1.2.3.4", "9.9.9"));
        var report = await association.ReceiveStorageCommitmentReportAsync().WaitAsync(Bound);

        status.Should().Be(DimseStatus.Success);
        report.TransactionUid.Should().Be("2.25.1234567");
        report.EventTypeId.Should().Be(StorageCommitmentUids.SomeFailedEventTypeId);
        report.Committed.Should().Equal(new ReferencedSop(CtImage, "1.2.3.4"));
        report.Failed.Should().Equal(new FailedSop(CtImage, "9.9.9", CommitmentFailureReason.NoSuchObjectInstance));
        (await handler.Reported.Task.WaitAsync(Bound)).Should().Be(DimseStatus.Success);
        handler.Accepted.Should().ContainSingle().Which.Context.CallingAeTitle.Should().Be("MODALITY");
    }

    [Fact]
    public async Task All_committed_is_event_type_1()
    {
        var (scp, _) = await StartAsync();
        await using var __ = scp;
        await using var association = await AssociateAsync(scp.Port);

        (await association.RequestStorageCommitmentAsync(Request("1.2.3.4", "1.2.3.5"))).Should().Be(DimseStatus.Success);
        var report = await association.ReceiveStorageCommitmentReportAsync().WaitAsync(Bound);

        report.EventTypeId.Should().Be(StorageCommitmentUids.AllCommittedEventTypeId);
        report.Failed.Should().BeEmpty();
        report.Committed.Should().HaveCount(2);
    }

    [Fact]
    public async Task A_release_before_the_report_is_answered_leaves_delivery_to_the_owner()
    {
        var (scp, handler) = await StartAsync();
        await using var _ = scp;
        var association = await AssociateAsync(scp.Port);

        (await association.RequestStorageCommitmentAsync(Request("1.2.3.4"))).Should().Be(DimseStatus.Success);
        await association.ReleaseAsync(new CancellationTokenSource(Bound).Token);
        await association.DisposeAsync();

        (await handler.Reported.Task.WaitAsync(Bound)).Should().BeNull();
    }

    [Fact]
    public async Task Without_a_handler_the_sop_class_is_not_accepted()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null);
        await using var association = await AssociateAsync(scp.Port, PresentationContextProposal.StorageCommitment, PresentationContextProposal.Verification);

        association.AcceptedContexts.Should().NotContain(c => c.AbstractSyntax == StorageCommitmentUids.SopClass);
        await FluentActions.Awaiting(() => association.RequestStorageCommitmentAsync(Request("1.2.3.4"))).Should().ThrowAsync<DicomPresentationContextException>();
    }

    public static TheoryData<string, ushort> BadRequests() => new()
    {
        { "wrong-instance", 0x0112 },
        { "wrong-class", 0x0118 },
        { "unknown-action-type", 0x0123 },
        { "malformed-data-set", 0x0212 },
        { "missing-transaction-uid", 0x0115 },
        { "missing-referenced-sop-sequence", 0x0115 },
        { "empty-referenced-sop-sequence", 0x0115 },
        { "item-without-instance-uid", 0x0115 },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_request_is_answered_with_its_failure_status_and_the_association_lives_on(string scenario, ushort expected)
    {
        var (scp, handler) = await StartAsync();
        await using var _ = scp;
        await using var association = await AssociateAsync(scp.Port);
        var pc = association.AcceptedContexts.Single(c => c.AbstractSyntax == StorageCommitmentUids.SopClass);
        var good = StorageCommitmentCodec.WriteRequest(Request("1.2.3.4"), pc.TransferSyntax);
        var (rq, data) = scenario switch
        {
            "wrong-instance" => (Action(instance: "1.2.3.999"), good),
            "wrong-class" => (Action(sopClass: "1.2.840.10008.1.1"), good),
            "unknown-action-type" => (Action(actionType: 7), good),
            "malformed-data-set" => (Action(), new byte[] { 0x08, 0x00, 0x95, 0x11, 0xFF, 0xFF, 0x00, 0x10, 1, 2 }),
            "missing-transaction-uid" => (Action(), Encode(pc.TransferSyntax, d => d.AddOrUpdate(new DicomSequence(Tags.ReferencedSOPSequence, [Item(CtImage, "1.2.3.4")])))),
            "missing-referenced-sop-sequence" => (Action(), Encode(pc.TransferSyntax, d => d.AddOrUpdate(Tags.TransactionUID, DicomVR.UI, "2.25.1"))),
            "empty-referenced-sop-sequence" => (Action(), Encode(pc.TransferSyntax, d =>
            {
                d.AddOrUpdate(Tags.TransactionUID, DicomVR.UI, "2.25.1");
                d.AddOrUpdate(new DicomSequence(Tags.ReferencedSOPSequence));
            })),
            "item-without-instance-uid" => (Action(), Encode(pc.TransferSyntax, d =>
            {
                d.AddOrUpdate(Tags.TransactionUID, DicomVR.UI, "2.25.1");
                var item = new DicomDataset();
                item.AddOrUpdate(Tags.ReferencedSOPClassUID, DicomVR.UI, CtImage);
                d.AddOrUpdate(new DicomSequence(Tags.ReferencedSOPSequence, [item]));
            })),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        var status = await association.SendActionAsync(pc.Id, rq, data, new CancellationTokenSource(Bound).Token);

        status.Code.Should().Be(expected);
        handler.Accepted.Should().BeEmpty("a refused request is never handed to the owner");
        (await association.RequestStorageCommitmentAsync(Request("1.2.3.4"))).Should().Be(DimseStatus.Success);
        (await association.ReceiveStorageCommitmentReportAsync().WaitAsync(Bound)).Committed.Should().ContainSingle();
    }

    private static NActionRq Action(string sopClass = StorageCommitmentUids.SopClass, string instance = StorageCommitmentUids.WellKnownInstance, ushort actionType = 1) =>
        new(100, sopClass, instance, actionType);

    private static DicomDataset Item(string cls, string instance)
    {
        var item = new DicomDataset();
        item.AddOrUpdate(Tags.ReferencedSOPClassUID, DicomVR.UI, cls);
        item.AddOrUpdate(Tags.ReferencedSOPInstanceUID, DicomVR.UI, instance);
        return item;
    }

    private static byte[] Encode(string ts, Action<DicomDataset> build)
    {
        var dataset = new DicomDataset();
        build(dataset);
        using var stream = new MemoryStream();
        new DicomDatasetWriter(stream).Write(dataset, DicomTransferSyntax.FromUid(ts));
        return stream.ToArray();
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2")]
    [InlineData("1.2.840.10008.1.2.1")]
    public void Request_and_report_data_sets_read_back_as_written(string ts)
    {
        var request = Request("1.2.3.4", "1.2.3.5");
        var result = new StorageCommitmentResult("2.25.9", [new ReferencedSop(CtImage, "1.2.3.4")],
            [new FailedSop(CtImage, "1.2.3.5", CommitmentFailureReason.ClassInstanceConflict)]);

        StorageCommitmentCodec.ReadRequest(StorageCommitmentCodec.WriteRequest(request, ts), ts).Should().BeEquivalentTo(request);
        StorageCommitmentCodec.ReadResult(StorageCommitmentCodec.WriteResult(result, ts), ts).Should().BeEquivalentTo(result);
    }

    [Fact]
    public async Task A_report_sender_proposes_scu_role_0_and_scp_role_1()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        var proposal = PresentationContextProposal.StorageCommitment with { RequestorIsScp = true };
        var connecting = DicomClient.AssociateAsync(new DicomClientOptions { Port = port, ResponseTimeout = TimeSpan.FromSeconds(2) }, [proposal]);

        using var socket = await server.AcceptSocketAsync().WaitAsync(Bound);
        var header = new byte[6];
        await ReadExactlyAsync(socket, header);
        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2))];
        await ReadExactlyAsync(socket, body);
        socket.Close();
        await FluentActions.Awaiting(() => connecting).Should().ThrowAsync<DicomNetworkException>();

        var rq = AssociateRq.Parse(new ReadOnlySequence<byte>(body));
        rq.UserInformation.RoleSelections.Should().Equal(new RoleSelection(StorageCommitmentUids.SopClass, ScuRole: false, ScpRole: true));
    }

    [Theory]
    [InlineData(true, false, true, false)]
    [InlineData(true, true, true, true)]
    [InlineData(false, true, false, true)]
    public void The_listener_answers_a_requesters_role_selection_for_storage_commitment(bool scu, bool scp, bool acceptedScu, bool acceptedScp)
    {
        var rq = new AssociateRq { CalledAeTitle = "DICOMGATEWAY", CallingAeTitle = "MODALITY" };
        rq.PresentationContexts.Add(new PresentationContextRq(1, StorageCommitmentUids.SopClass, [KnownUids.ExplicitVRLittleEndian]));
        rq.UserInformation.RoleSelections.Add(new RoleSelection(StorageCommitmentUids.SopClass, scu, scp));

        var ac = ScpNegotiation.Accept(rq, new DicomListenerOptions { StorageCommitmentHandler = new Handler() });

        ac.PresentationContexts.Single().Result.Should().Be(PresentationContextResult.Acceptance);
        ac.UserInformation.RoleSelections.Should().Equal(new RoleSelection(StorageCommitmentUids.SopClass, acceptedScu, acceptedScp));
    }

    [Fact]
    public void The_listener_does_not_take_the_scp_role_for_a_storage_class_or_without_a_commitment_handler()
    {
        var rq = new AssociateRq { CalledAeTitle = "DICOMGATEWAY", CallingAeTitle = "MODALITY" };
        rq.PresentationContexts.Add(new PresentationContextRq(1, CtImage, [KnownUids.ExplicitVRLittleEndian]));
        rq.PresentationContexts.Add(new PresentationContextRq(3, StorageCommitmentUids.SopClass, [KnownUids.ExplicitVRLittleEndian]));
        rq.UserInformation.RoleSelections.Add(new RoleSelection(CtImage, ScuRole: true, ScpRole: true));
        rq.UserInformation.RoleSelections.Add(new RoleSelection(StorageCommitmentUids.SopClass, ScuRole: true, ScpRole: true));

        var ac = ScpNegotiation.Accept(rq, new DicomListenerOptions());

        // Without a handler the commitment context is refused, so its role item is not answered.
        ac.UserInformation.RoleSelections.Should().Equal(new RoleSelection(CtImage, ScuRole: true, ScpRole: false));
    }

    private static async Task ReadExactlyAsync(Socket socket, byte[] buffer)
    {
        using var cts = new CancellationTokenSource(Bound);
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0)
                throw new EndOfStreamException();
            read += n;
        }
    }
}
