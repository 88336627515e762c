using DicomKit.Network;
using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Network;

/// <summary>Our SCU (<see cref="DicomClient"/>) against DCMTK storescp and against our own listener.</summary>
public sealed class ScuInteropTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static async Task<StoreResult> StoreFileAsync(DicomClientAssociation association, string path, string sopClass, string uid)
    {
        var dataSet = TestFiles.DataSetOf(path);
        var offset = new FileInfo(path).Length - dataSet.Length;
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
        stream.Position = offset;
        return await association.StoreAsync(new StoreRequest(sopClass, uid, TestFiles.TransferSyntaxOf(path), stream, dataSet.Length));
    }

    private static PresentationContextProposal Proposal(params string[] syntaxes) => new(TestFiles.SecondaryCapture, syntaxes);

    [Theory]
    [InlineData("+te", TestFiles.ExplicitLE)]
    [InlineData("+ti", TestFiles.ImplicitLE)]
    [InlineData("+tb", TestFiles.ExplicitBE)]
    public async Task Files_stored_to_storescp_arrive_identical(string writeSyntax, string syntax)
    {
        var received = _files.NewDirectory("storescp");
        using var storescp = await StorescpPeer.StartAsync(received, 0, "+B", "+xa");
        var sent = new List<(string Path, string Uid)>();
        for (var i = 0; i < 3; i++)
            sent.Add(await _files.CreateImageAsync(writeSyntax, size: 64 + i));

        var options = new DicomClientOptions { Port = storescp.Port, CalledAeTitle = StorescpPeer.AeTitle, CallingAeTitle = "DICOMKIT" };
        await using (var association = await DicomClient.AssociateAsync(options, [PresentationContextProposal.Verification, Proposal(syntax)]))
        {
            (await association.EchoAsync()).Should().Be(DimseStatus.Success);
            foreach (var (path, uid) in sent)
            {
                var result = await StoreFileAsync(association, path, TestFiles.SecondaryCapture, uid);
                result.Status.Should().Be(DimseStatus.Success);
            }
            await association.ReleaseAsync();
        }

        foreach (var (path, uid) in sent)
        {
            var file = Directory.GetFiles(received).Should().ContainSingle(f => f.Contains(uid, StringComparison.Ordinal)).Subject;
            TestFiles.TransferSyntaxOf(file).Should().Be(syntax);
            TestFiles.DataSetOf(file).Should().Equal(TestFiles.DataSetOf(path));
        }
    }

    [Fact]
    public async Task A_large_instance_is_fragmented_to_the_peer_maximum_and_arrives_identical()
    {
        var received = _files.NewDirectory("storescp");
        using var storescp = await StorescpPeer.StartAsync(received, 0, "+B", "+xa", "-pdu", "4096");
        var (path, uid) = await _files.CreateImageAsync("+te", size: 300); // 90 kB of pixels over 4 kB PDUs
        var options = new DicomClientOptions { Port = storescp.Port, CalledAeTitle = StorescpPeer.AeTitle };
        await using var association = await DicomClient.AssociateAsync(options, [Proposal(TestFiles.ExplicitLE)]);
        association.PeerMaxPduLength.Should().Be(4096);

        (await StoreFileAsync(association, path, TestFiles.SecondaryCapture, uid)).Status.Should().Be(DimseStatus.Success);
        await association.ReleaseAsync();

        var file = Directory.GetFiles(received).Should().ContainSingle().Subject;
        TestFiles.DataSetOf(file).Should().Equal(TestFiles.DataSetOf(path));
    }

    [Fact]
    public async Task Storing_in_a_syntax_the_peer_did_not_accept_throws_before_sending()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null);
        var (path, uid) = await _files.CreateImageAsync("+tb");
        var options = new DicomClientOptions { Port = scp.Port, CalledAeTitle = ListenerHarness.AeTitle };
        await using var association = await DicomClient.AssociateAsync(options, [Proposal(TestFiles.ExplicitLE)]);

        var act = () => StoreFileAsync(association, path, TestFiles.SecondaryCapture, uid);

        (await act.Should().ThrowAsync<DicomPresentationContextException>()).Which.TransferSyntaxUid.Should().Be(TestFiles.ExplicitBE);
        (await association.EchoAsync().ContinueWith(t => t.Exception?.InnerException?.GetType())).Should().Be(typeof(DicomPresentationContextException));
        scp.Sink.Committed.Should().BeEmpty();
    }

    [Fact]
    public async Task Our_scu_and_our_scp_round_trip_echo_and_store()
    {
        var received = _files.NewDirectory("received");
        await using var scp = await ListenerHarness.StartAsync(output, received);
        var (path, uid) = await _files.CreateImageAsync("+te", size: 200);
        var options = new DicomClientOptions { Port = scp.Port, CalledAeTitle = ListenerHarness.AeTitle, MaxPduLength = 8192 };
        await using var association = await DicomClient.AssociateAsync(options, [PresentationContextProposal.Verification, Proposal(TestFiles.ExplicitLE)]);

        (await association.EchoAsync()).Should().Be(DimseStatus.Success);
        (await StoreFileAsync(association, path, TestFiles.SecondaryCapture, uid)).Status.Should().Be(DimseStatus.Success);
        await association.ReleaseAsync();

        File.ReadAllBytes(Path.Combine(received, uid + ".bin")).Should().Equal(TestFiles.DataSetOf(path));
    }

    [Theory]
    [InlineData("begin", 0xA700)]
    [InlineData("write", 0xA700)]
    [InlineData("commit", 0xA700)]
    [InlineData("invalid", 0xC000)]
    [InlineData("explicit", 0xA900)]
    public async Task A_sink_failure_is_answered_with_a_failure_status_and_the_association_lives_on(string where, int expected)
    {
        var received = _files.NewDirectory("received");
        await using var scp = await ListenerHarness.StartAsync(output, received);
        Exception Fault() => where switch
        {
            "invalid" => new InvalidDataException("bad data"),
            "explicit" => new StorageSinkException(DimseStatus.DataSetDoesNotMatchSopClass, "not an image"),
            _ => new IOException("disk full"),
        };
        var failing = TestFiles.NewUid();
        switch (where)
        {
            case "write": scp.Sink.FailOnWrite = c => c.SopInstanceUid == failing ? Fault() : null; break;
            case "commit": scp.Sink.FailOnCommit = c => c.SopInstanceUid == failing ? Fault() : null; break;
            default: scp.Sink.FailOnBegin = c => c.SopInstanceUid == failing ? Fault() : null; break;
        }
        var (path, _) = await _files.CreateImageAsync("+te", size: 100);
        var (okPath, okUid) = await _files.CreateImageAsync("+te");
        var options = new DicomClientOptions { Port = scp.Port, CalledAeTitle = ListenerHarness.AeTitle, MaxPduLength = 4096 };
        await using var association = await DicomClient.AssociateAsync(options, [PresentationContextProposal.Verification, Proposal(TestFiles.ExplicitLE)]);

        var failed = await StoreFileAsync(association, path, TestFiles.SecondaryCapture, failing);
        var ok = await StoreFileAsync(association, okPath, TestFiles.SecondaryCapture, okUid);

        failed.Status.Code.Should().Be((ushort)expected);
        failed.Status.IsFailure.Should().BeTrue();
        ok.Status.Should().Be(DimseStatus.Success);
        scp.Sink.Committed.Select(c => c.Context.SopInstanceUid).Should().Equal(okUid);
        File.Exists(Path.Combine(received, failing + ".bin")).Should().BeFalse();
        scp.Sink.Open.Should().Be(0);
    }
}
