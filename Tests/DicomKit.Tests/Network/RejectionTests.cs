using System.Net;
using DicomKit.Network;
using DicomKit.Network.Pdus;
using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Network;

/// <summary>Callers the listener refuses get A-ASSOCIATE-RJ with the result, source and reason PS3.8 Table 9-21 names.</summary>
public sealed class RejectionTests(ITestOutputHelper output)
{
    private static Task<ListenerHarness> StartRestrictedAsync(ITestOutputHelper output, int maxAssociations = 32) =>
        ListenerHarness.StartAsync(output, null, o =>
        {
            o.AllowedCallingAeTitles["GOODSCU"] = "127.0.0.1";
            o.AllowedCallingAeTitles["ANYHOST"] = "*";
            o.AllowedCallingAeTitles["FARAWAY"] = "192.0.2.10";
            o.MaxConcurrentAssociations = maxAssociations;
        });

    private static async Task<AssociateRj> RejectOfAsync(ListenerHarness scp, string called, string calling)
    {
        await using var peer = await RawPeer.ConnectAsync(scp.Port);
        await peer.SendAsync(RawPeer.Encode(RawPeer.Request(called, calling)));
        var pdu = await peer.ReadPduAsync();
        pdu.Should().NotBeNull();
        pdu!.Value.Type.Should().Be(PduType.AssociateRj);
        return AssociateRj.Parse(new System.Buffers.ReadOnlySequence<byte>(pdu.Value.Body));
    }

    [Theory]
    [InlineData(ListenerHarness.AeTitle, "BADSCU", RejectReason.CallingAeTitleNotRecognized)]
    [InlineData(ListenerHarness.AeTitle, "FARAWAY", RejectReason.CallingAeTitleNotRecognized)]
    [InlineData("SOMEONE-ELSE", "GOODSCU", RejectReason.CalledAeTitleNotRecognized)]
    public async Task A_refused_caller_gets_a_permanent_service_user_rejection_with_the_reason(string called, string calling, RejectReason reason)
    {
        await using var scp = await StartRestrictedAsync(output);

        var rj = await RejectOfAsync(scp, called, calling);

        rj.Should().Be(new AssociateRj(RejectResult.Permanent, RejectSource.ServiceUser, reason));
        scp.Logs.Lines.Should().Contain(l => l.Contains("rejected", StringComparison.Ordinal) && l.Contains(calling, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("GOODSCU")]
    [InlineData("ANYHOST")]
    public async Task An_allowed_caller_from_an_allowed_host_is_accepted(string calling)
    {
        await using var scp = await StartRestrictedAsync(output);
        var result = await scp.EchoscuAsync("-aet", calling);
        result.ExitCode.Should().Be(0, result.Output);
    }

    [Fact]
    public async Task Echoscu_with_an_unknown_calling_ae_title_reports_the_rejection()
    {
        await using var scp = await StartRestrictedAsync(output);

        var result = await scp.EchoscuAsync("-aet", "BADSCU", "-v");
        output.WriteLine(result.Output);

        result.ExitCode.Should().NotBe(0);
        result.Output.Should().Contain("Association Rejected");
        result.Output.Should().Contain("Calling AE Title Not Recognized");
    }

    [Fact]
    public async Task Our_client_sees_the_rejection_fields()
    {
        await using var scp = await StartRestrictedAsync(output);
        var options = new DicomClientOptions { Port = scp.Port, CalledAeTitle = ListenerHarness.AeTitle, CallingAeTitle = "BADSCU" };

        var act = () => DicomClient.AssociateAsync(options, [PresentationContextProposal.Verification]);

        var e = (await act.Should().ThrowAsync<DicomAssociationRejectedException>()).Which;
        (e.RejectResult, e.RejectSource, e.RejectReason).Should().Be((RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeTitleNotRecognized));
    }

    [Fact]
    public async Task One_association_over_the_limit_gets_a_transient_local_limit_rejection()
    {
        await using var scp = await StartRestrictedAsync(output, maxAssociations: 1);
        var options = new DicomClientOptions { Port = scp.Port, CalledAeTitle = ListenerHarness.AeTitle, CallingAeTitle = "GOODSCU" };
        await using var first = await DicomClient.AssociateAsync(options, [PresentationContextProposal.Verification]);

        var rj = await RejectOfAsync(scp, ListenerHarness.AeTitle, "GOODSCU");

        rj.Should().Be(new AssociateRj(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded));
        (await first.EchoAsync()).Should().Be(DimseStatus.Success);
    }

    [Fact]
    public async Task The_calling_ae_title_hook_rejects_what_it_refuses_and_is_asked_again_at_each_association()
    {
        var allowed = new HashSet<string>(StringComparer.Ordinal) { "KNOWNSCU" };
        await using var scp = await ListenerHarness.StartAsync(output, null, o => o.IdentifyCaller = (title, _, _, _) =>
            ValueTask.FromResult(allowed.Contains(title) ? CallerStatus.Allowed : CallerStatus.NotListed));

        var rj = await RejectOfAsync(scp, ListenerHarness.AeTitle, "STRANGER");
        rj.Should().Be(new AssociateRj(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeTitleNotRecognized));
        (await scp.EchoscuAsync("-aet", "KNOWNSCU")).ExitCode.Should().Be(0);

        allowed.Add("STRANGER");
        var now = await scp.EchoscuAsync("-aet", "STRANGER");
        now.ExitCode.Should().Be(0, now.Output);
    }

    [Fact]
    public async Task The_calling_ae_title_hook_applies_after_the_configured_list()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, o =>
        {
            o.AllowedCallingAeTitles["GOODSCU"] = "*";
            o.AllowedCallingAeTitles["VETOED"] = "*";
            o.IdentifyCaller = (title, _, _, _) => ValueTask.FromResult(title == "VETOED" ? CallerStatus.NotListed : CallerStatus.Unknown);
        });

        (await scp.EchoscuAsync("-aet", "GOODSCU")).ExitCode.Should().Be(0);
        var vetoed = await RejectOfAsync(scp, ListenerHarness.AeTitle, "VETOED");
        vetoed.Reason.Should().Be(RejectReason.CallingAeTitleNotRecognized);
        var unlisted = await RejectOfAsync(scp, ListenerHarness.AeTitle, "OTHER");
        unlisted.Reason.Should().Be(RejectReason.CallingAeTitleNotRecognized);
    }

    [Fact]
    public async Task Without_unknown_callers_only_a_caller_some_list_names_is_accepted_and_every_refusal_and_acceptance_is_reported()
    {
        var refused = new System.Collections.Concurrent.ConcurrentQueue<CallerRefusal>();
        var accepted = new System.Collections.Concurrent.ConcurrentQueue<(string Title, IPAddress? Address)>();
        await using var scp = await ListenerHarness.StartAsync(output, null, o =>
        {
            o.AcceptUnknownCallers = false;
            o.IdentifyCaller = (title, address, _, _) => ValueTask.FromResult(title switch
            {
                "REGISTERED" => CallerStatus.Allowed,
                "ELSEWHERE" => CallerStatus.WrongAddress,
                _ => CallerStatus.Unknown,
            });
            o.CallerRefused = refused.Enqueue;
            o.CallerAccepted = (title, address) => accepted.Enqueue((title, address));
        });

        (await scp.EchoscuAsync("-aet", "REGISTERED")).ExitCode.Should().Be(0);
        var stranger = await RejectOfAsync(scp, ListenerHarness.AeTitle, "STRANGER");
        stranger.Should().Be(new AssociateRj(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeTitleNotRecognized));
        var elsewhere = await RejectOfAsync(scp, ListenerHarness.AeTitle, "ELSEWHERE");
        elsewhere.Reason.Should().Be(RejectReason.CallingAeTitleNotRecognized);
        var wrongCalled = await RejectOfAsync(scp, "NOTUS", "REGISTERED");
        wrongCalled.Reason.Should().Be(RejectReason.CalledAeTitleNotRecognized);

        refused.Select(r => (r.CallingAeTitle, r.CalledAeTitle, r.Reason)).Should().Equal(
            ("STRANGER", ListenerHarness.AeTitle, (byte)3), ("ELSEWHERE", ListenerHarness.AeTitle, (byte)3), ("REGISTERED", "NOTUS", (byte)7));
        refused.Should().OnlyContain(r => r.Address != null && IPAddress.IsLoopback(r.Address));
        accepted.Should().ContainSingle("a refused association is not an accepted one").Which.Title.Should().Be("REGISTERED");
        IPAddress.IsLoopback(accepted.Single().Address!).Should().BeTrue();
    }

    [Fact]
    public async Task A_registered_AE_title_from_a_wrong_address_is_refused_even_when_unknown_callers_are_accepted()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, o =>
            o.IdentifyCaller = (title, _, _, _) => ValueTask.FromResult(title == "CT1" ? CallerStatus.WrongAddress : CallerStatus.Unknown));

        (await scp.EchoscuAsync("-aet", "ANYONE")).ExitCode.Should().Be(0, "unknown callers are accepted by default");
        (await RejectOfAsync(scp, ListenerHarness.AeTitle, "CT1")).Reason.Should().Be(RejectReason.CallingAeTitleNotRecognized);
    }

    [Theory]
    [InlineData("127.0.0.0/8", true)]
    [InlineData("10.0.0.0/8, 127.0.0.1/32", true)]
    [InlineData("10.0.0.0/8", false)]
    [InlineData("not-a-network/8", false)]
    public async Task A_configured_calling_AE_title_may_be_limited_to_networks(string hosts, bool accepted)
    {
        var options = new DicomListenerOptions();
        options.AllowedCallingAeTitles["CT1"] = hosts;
        var rq = new AssociateRq { CalledAeTitle = options.AeTitle, CallingAeTitle = "CT1" };
        var refusal = await DicomKit.Network.Services.ScpNegotiation.CheckCallerAsync(rq, options, IPAddress.Loopback,
            (_, _) => Task.FromResult(Array.Empty<IPAddress>()), CancellationToken.None);
        (refusal is null).Should().Be(accepted);
    }
    [Theory]
    [InlineData(CallerStatus.CertificateMissing, "presented none")]
    [InlineData(CallerStatus.WrongCertificate, "not the one registered")]
    public async Task A_registered_caller_without_its_certificate_is_refused_even_when_unknown_callers_are_accepted(CallerStatus status, string why)
    {
        var options = new DicomListenerOptions { AcceptUnknownCallers = true };
        System.Security.Cryptography.X509Certificates.X509Certificate2? seen = null;
        options.IdentifyCaller = (_, _, certificate, _) =>
        {
            seen = certificate;
            return ValueTask.FromResult(status);
        };
        var rq = new AssociateRq { CalledAeTitle = options.AeTitle, CallingAeTitle = "CT1" };

        var refusal = await DicomKit.Network.Services.ScpNegotiation.CheckCallerAsync(rq, options, IPAddress.Loopback,
            (_, _) => Task.FromResult(Array.Empty<IPAddress>()), CancellationToken.None);

        refusal.Should().NotBeNull();
        refusal!.Value.Reject.Reason.Should().Be(RejectReason.CallingAeTitleNotRecognized);
        refusal.Value.Status.Should().Be(status);
        refusal.Value.Why.Should().Contain(why);
        seen.Should().BeNull("a plain connection has no certificate to pass");
    }
}
