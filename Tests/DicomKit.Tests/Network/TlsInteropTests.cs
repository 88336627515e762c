using System.Security.Cryptography.X509Certificates;
using DicomKit.Network;
using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Network;

/// <summary>
/// DICOM over TLS (PS3.15 Annex B, BCP 195) against real DCMTK peers built with OpenSSL: echoscu and storescu to our
/// listener, our client to storescp. Every certificate is made by the test, every peer is on 127.0.0.1.
/// </summary>
public sealed class TlsInteropTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly TestFiles _files = new();
    private TestCertificates _ca = null!;
    private PemPair _server = null!;
    private X509Certificate2 _serverCertificate = null!;

    public async Task InitializeAsync()
    {
        _ca = await TestCertificates.CreateAsync();
        _server = await _ca.IssueServerAsync();
        _serverCertificate = X509Certificate2.CreateFromPemFile(_server.CertificateFile, _server.KeyFile);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _serverCertificate?.Dispose();
        _ca?.Dispose();
        _files.Dispose();
    }

    private DicomTlsServerOptions Tls(DicomClientCertificateMode mode) => new()
    {
        ServerCertificate = () => _serverCertificate,
        ClientCertificates = mode,
        ValidateClientCertificate = DicomTls.ChainsTo([X509CertificateLoader.LoadCertificateFromFile(_ca.CaFile)], clientAuthentication: true),
    };

    private string[] WithClientCertificate(PemPair client) => ["+tls", client.KeyFile, client.CertificateFile, "+cf", _ca.CaFile];

    private string[] WithoutClientCertificate => ["+tla", "+cf", _ca.CaFile];

    [Fact]
    public async Task Echoscu_over_tls_without_a_client_certificate_gets_an_echo()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, tls: Tls(DicomClientCertificateMode.None));

        var result = await scp.EchoscuAsync([.. WithoutClientCertificate, "-v"]);
        output.WriteLine(result.Output);

        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("Received Echo Response (Success)");
    }

    [Theory]
    [InlineData(DicomClientCertificateMode.Optional)]
    [InlineData(DicomClientCertificateMode.Required)]
    public async Task Storescu_over_tls_with_a_client_certificate_stores_the_bytes_unchanged(DicomClientCertificateMode mode)
    {
        var received = _files.NewDirectory("received");
        var client = await _ca.IssueClientAsync("MODALITY");
        await using var scp = await ListenerHarness.StartAsync(output, received, tls: Tls(mode));
        var (file, uid) = await _files.CreateImageAsync("+te");

        var result = await scp.StorescuAsync([.. WithClientCertificate(client), "-xe", "-v"], [file]);
        output.WriteLine(result.Output);

        result.ExitCode.Should().Be(0);
        var stored = scp.Sink.Committed.Should().ContainSingle().Subject;
        stored.Context.SopInstanceUid.Should().Be(uid);
        File.ReadAllBytes(stored.Path!).Should().Equal(TestFiles.DataSetOf(file));
    }

    [Fact]
    public async Task Optional_client_certificates_serve_a_client_without_one()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, tls: Tls(DicomClientCertificateMode.Optional));

        var result = await scp.EchoscuAsync(WithoutClientCertificate);

        result.ExitCode.Should().Be(0, result.Output);
    }

    [Fact]
    public async Task Required_client_certificates_refuse_a_client_without_one()
    {
        var received = _files.NewDirectory("received");
        await using var scp = await ListenerHarness.StartAsync(output, received, tls: Tls(DicomClientCertificateMode.Required));
        var (file, _) = await _files.CreateImageAsync("+te");

        var result = await scp.StorescuAsync(WithoutClientCertificate, [file]);
        output.WriteLine(result.Output);

        result.ExitCode.Should().NotBe(0);
        scp.Sink.Committed.Should().BeEmpty();
        (await Eventually.TrueAsync(() => scp.Logs.Lines.Any(l => l.Contains("TLS handshake failed", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)))
            .Should().BeTrue();
    }

    [Fact]
    public async Task Required_client_certificates_refuse_one_from_another_authority()
    {
        using var stranger = await TestCertificates.CreateAsync();
        var client = await stranger.IssueClientAsync("INTRUDER");
        await using var scp = await ListenerHarness.StartAsync(output, null, tls: Tls(DicomClientCertificateMode.Required));

        var result = await scp.EchoscuAsync(["+tls", client.KeyFile, client.CertificateFile, "+cf", _ca.CaFile]);

        result.ExitCode.Should().NotBe(0, result.Output);
    }

    [Fact]
    public async Task A_plain_dicom_caller_on_the_tls_port_is_dropped_and_the_port_keeps_serving()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, tls: Tls(DicomClientCertificateMode.None));

        var plain = await scp.EchoscuAsync("-to", "5");
        var secure = await scp.EchoscuAsync(WithoutClientCertificate);

        plain.ExitCode.Should().NotBe(0);
        secure.ExitCode.Should().Be(0, secure.Output);
        scp.Logs.Lines.Should().Contain(l => l.Contains("TLS handshake failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tls_caller_that_sends_nothing_is_closed_after_the_artim_timeout()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, o => o.ArtimTimeout = TimeSpan.FromSeconds(1),
            Tls(DicomClientCertificateMode.None));
        using var silent = new System.Net.Sockets.TcpClient();
        await silent.ConnectAsync(System.Net.IPAddress.Loopback, scp.Port);

        (await Eventually.TrueAsync(() => scp.Listener.ActiveAssociations == 0 && scp.Logs.Lines.Any(l => l.Contains("timed out", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10))).Should().BeTrue();
    }

    [Fact]
    public async Task Our_client_stores_over_tls_to_storescp_with_a_client_certificate()
    {
        var received = _files.NewDirectory("storescp");
        var client = await _ca.IssueClientAsync("DICOMKIT");
        using var storescp = await StorescpPeer.StartAsync(received, 0, "+tls", _server.KeyFile, _server.CertificateFile, "+cf", _ca.CaFile, "-rc");
        var (file, uid) = await _files.CreateImageAsync("+te");
        using var clientCertificate = X509Certificate2.CreateFromPemFile(client.CertificateFile, client.KeyFile);
        var options = new DicomClientOptions
        {
            Port = storescp.Port, CalledAeTitle = StorescpPeer.AeTitle, CallingAeTitle = "DICOMKIT",
            Tls = new DicomTlsClientOptions
            {
                ClientCertificate = clientCertificate,
                ValidateServerCertificate = DicomTls.ChainsTo([X509CertificateLoader.LoadCertificateFromFile(_ca.CaFile)], clientAuthentication: false),
            },
        };

        await using (var association = await DicomClient.AssociateAsync(options,
                         [PresentationContextProposal.Verification, new(TestFiles.SecondaryCapture, [TestFiles.ExplicitLE])]))
        {
            (await association.EchoAsync()).Should().Be(DimseStatus.Success);
            (await association.StoreFileAsync(file)).Status.Should().Be(DimseStatus.Success);
            await association.ReleaseAsync();
        }

        var stored = Directory.GetFiles(received).Should().ContainSingle(f => f.Contains(uid, StringComparison.Ordinal)).Subject;
        TestFiles.DataSetOf(stored).Should().Equal(TestFiles.DataSetOf(file));
    }

    [Fact]
    public async Task Our_client_refuses_a_server_certificate_from_another_authority()
    {
        using var stranger = await TestCertificates.CreateAsync();
        var impostor = await stranger.IssueServerAsync();
        using var storescp = await StorescpPeer.StartAsync(_files.NewDirectory("storescp"), 0, "+tls", impostor.KeyFile, impostor.CertificateFile, "-ic");
        var options = new DicomClientOptions
        {
            Port = storescp.Port, CalledAeTitle = StorescpPeer.AeTitle,
            Tls = new DicomTlsClientOptions
            {
                ValidateServerCertificate = DicomTls.ChainsTo([X509CertificateLoader.LoadCertificateFromFile(_ca.CaFile)], clientAuthentication: false),
            },
        };

        var act = () => DicomClient.AssociateAsync(options, [PresentationContextProposal.Verification]);

        (await act.Should().ThrowAsync<DicomNetworkException>()).WithMessage("*TLS handshake*");
    }

    [Fact]
    public async Task Our_client_and_our_listener_talk_tls()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null, tls: Tls(DicomClientCertificateMode.None));
        var options = new DicomClientOptions
        {
            Port = scp.Port, CalledAeTitle = ListenerHarness.AeTitle,
            Tls = new DicomTlsClientOptions
            {
                ValidateServerCertificate = DicomTls.ChainsTo([X509CertificateLoader.LoadCertificateFromFile(_ca.CaFile)], clientAuthentication: false),
            },
        };

        await using var association = await DicomClient.AssociateAsync(options, [PresentationContextProposal.Verification]);

        (await association.EchoAsync()).Should().Be(DimseStatus.Success);
        await association.ReleaseAsync();
    }
}
