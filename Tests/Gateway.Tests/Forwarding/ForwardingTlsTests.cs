using DicomGateway.Nodes;
using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Network;
using Gateway.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Forwarding;

/// <summary>
/// Forwarding (Storage SCU) and the node C-ECHO test over TLS to DCMTK's storescp +tls, for the nodes whose "tls"
/// field is set and those the deprecated Nodes:Tls:AeTitles names; certificates are made by the test.
/// </summary>
public sealed class ForwardingTlsTests : IAsyncLifetime, IDisposable
{
    private const string TlsNode = StorescpPeer.AeTitle;

    private TestCertificates _ca = null!;
    private PemPair _destination = null!;
    private PemPair _gateway = null!;

    public async Task InitializeAsync()
    {
        _ca = await TestCertificates.CreateAsync();
        _destination = await _ca.IssueServerAsync("destination");
        _gateway = await _ca.IssueClientAsync("GATEWAY");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _ca?.Dispose();

    private NodeTls Tls(bool withClientCertificate = true, string? caFile = null, bool byList = true) => new(Options.Create(new NodeTlsOptions
    {
        AeTitles = byList ? [TlsNode] : [],
        CertificateFile = withClientCertificate ? _gateway.CertificateFile : null,
        KeyFile = withClientCertificate ? _gateway.KeyFile : null,
        CaFile = caFile ?? _ca.CaFile,
    }));

    /// <summary>storescp over TLS that requires a client certificate of our CA.</summary>
    private Task<StorescpPeer> SecureStorescpAsync(string directory) =>
        StorescpPeer.StartAsync(directory, 0, "+tls", _destination.KeyFile, _destination.CertificateFile, "+cf", _ca.CaFile, "-rc");

    [Fact]
    public async Task A_study_forwarded_to_a_tls_node_arrives_at_storescp_identical()
    {
        await using var gateway = new ForwardingHarness(tls: Tls());
        using var destination = await SecureStorescpAsync(Path.Combine(gateway.Scratch, "received"));
        var study = await gateway.SeedStudyAsync(3);
        var node = await gateway.AddNodeAsync(destination.Port, TlsNode);
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed" || r.Attempts > 0 && r.LastError is not null);

        row.State.Should().Be("done", row.LastError);
        var received = destination.Files().Select(f => DicomFile.Open(f, null)).ToDictionary(f => f.Dataset.GetString(Tags.SOPInstanceUID)!, StringComparer.Ordinal);
        received.Should().HaveCount(3);
        foreach (var source in study.SourceFiles.Select(s => DicomFile.Open(s, null)))
            DatasetComparer.Differences(source.Dataset, received[source.Dataset.GetString(Tags.SOPInstanceUID)!].Dataset).Should().BeEmpty();
    }

    [Fact]
    public async Task A_node_whose_tls_field_is_set_is_forwarded_to_and_echoed_over_tls_without_the_deprecated_list()
    {
        await using var gateway = new ForwardingHarness(tls: Tls(byList: false));
        using var destination = await SecureStorescpAsync(Path.Combine(gateway.Scratch, "received"));
        var study = await gateway.SeedStudyAsync(2);
        var node = await gateway.AddNodeAsync(destination.Port, "FIELD-TLS", tls: true);
        var plainNode = await gateway.AddNodeAsync(destination.Port, "FIELD-PLAIN", name: "Plain");
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed" || r.Attempts > 0 && r.LastError is not null);
        var echo = await Verifier(gateway.Nodes, Tls(byList: false)).EchoAsync(node, CancellationToken.None);
        var plainEcho = await Verifier(gateway.Nodes, Tls(byList: false)).EchoAsync(plainNode, CancellationToken.None);

        row.State.Should().Be("done", row.LastError);
        destination.Files().Should().HaveCount(2);
        echo!.Ok.Should().BeTrue(echo.Message);
        echo.Message.Should().Contain("over TLS");
        plainEcho!.Ok.Should().BeFalse("a node without the field is called in plain DICOM, which storescp +tls does not answer");
    }

    [Fact]
    public async Task A_tls_node_whose_certificate_another_authority_signed_gets_nothing_and_the_error_says_tls()
    {
        using var stranger = await TestCertificates.CreateAsync();
        await using var gateway = new ForwardingHarness(tls: Tls(caFile: stranger.CaFile));
        using var destination = await SecureStorescpAsync(Path.Combine(gateway.Scratch, "received"));
        var study = await gateway.SeedStudyAsync(1);
        var node = await gateway.AddNodeAsync(destination.Port, TlsNode);
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var row = await gateway.WaitForAsync(id, r => r.LastError is not null);

        row.State.Should().NotBe("done");
        row.LastError.Should().Contain("TLS handshake");
        destination.Files().Should().BeEmpty();
    }

    [Fact]
    public async Task The_echo_button_reaches_a_tls_node_over_tls_and_a_plain_call_to_it_fails()
    {
        await using var gateway = new ForwardingHarness();
        using var destination = await SecureStorescpAsync(Path.Combine(gateway.Scratch, "received"));
        var node = await gateway.AddNodeAsync(destination.Port, TlsNode);

        var secure = await Verifier(gateway.Nodes, Tls()).EchoAsync(node, CancellationToken.None);
        var plain = await Verifier(gateway.Nodes, null).EchoAsync(node, CancellationToken.None);

        secure!.Ok.Should().BeTrue(secure.Message);
        secure.Message.Should().Contain("over TLS");
        plain!.Ok.Should().BeFalse();
    }

    [Fact]
    public async Task Without_the_client_certificate_a_node_that_requires_one_refuses_the_echo()
    {
        await using var gateway = new ForwardingHarness();
        using var destination = await SecureStorescpAsync(Path.Combine(gateway.Scratch, "received"));
        var node = await gateway.AddNodeAsync(destination.Port, TlsNode);

        var result = await Verifier(gateway.Nodes, Tls(withClientCertificate: false)).EchoAsync(node, CancellationToken.None);

        result!.Ok.Should().BeFalse();
    }

    [Fact]
    public void Node_tls_settings_that_cannot_work_are_named()
    {
        new NodeTlsOptions { AeTitles = ["PACS", " "] }.Validate().Should().Contain(p => p.Contains("AeTitles", StringComparison.Ordinal));
        new NodeTlsOptions { CertificateFile = _gateway.CertificateFile }.Validate().Should().Contain(p => p.Contains("go together", StringComparison.Ordinal));
        new NodeTlsOptions { CertificateFile = _gateway.CertificateFile, KeyFile = _destination.KeyFile }.Validate()
            .Should().Contain(p => p.StartsWith("CertificateFile/KeyFile cannot be loaded", StringComparison.Ordinal));
        new NodeTlsOptions { CaFile = _gateway.KeyFile }.Validate().Should().Contain(p => p.StartsWith("CaFile cannot be loaded", StringComparison.Ordinal));
        new NodeTlsOptions { AeTitles = ["PACS"], CertificateFile = _gateway.CertificateFile, KeyFile = _gateway.KeyFile, CaFile = _ca.CaFile }.Validate()
            .Should().BeEmpty();
    }

    private static NodeVerifier Verifier(NodeStore nodes, NodeTls? tls) =>
        new(nodes, Options.Create(new DicomListenerOptions { AeTitle = "GWECHO" }), NullLoggerFactory.Instance, TimeProvider.System,
            NullLogger<NodeVerifier>.Instance, tls);
}
