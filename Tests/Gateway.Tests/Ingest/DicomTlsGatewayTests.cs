using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using DicomKit.Network;

namespace Gateway.Tests.Ingest;

/// <summary>
/// The gateway's DICOM over TLS port (Dicom:Tls), as an administrator configures it, against DCMTK's echoscu and
/// storescu built with OpenSSL and against DicomKit's client; certificates are made by the test.
/// </summary>
public sealed class DicomTlsGatewayTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new("gw-tls-");
    private TestCertificates _ca = null!;
    private PemPair _server = null!;

    public async Task InitializeAsync()
    {
        _ca = await TestCertificates.CreateAsync();
        _server = await _ca.IssueServerAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _ca?.Dispose();
        _dir.Dispose();
    }

    private Dictionary<string, string> TlsSettings(int tlsPort, string clientCertificates = "None", bool only = false) => new()
    {
        ["Dicom__Tls__Port"] = tlsPort.ToString(CultureInfo.InvariantCulture),
        ["Dicom__Tls__CertificateFile"] = _server.CertificateFile,
        ["Dicom__Tls__KeyFile"] = _server.KeyFile,
        ["Dicom__Tls__ClientCertificates"] = clientCertificates,
        ["Dicom__Tls__CaFile"] = _ca.CaFile,
        ["Dicom__Tls__Only"] = only ? "true" : "false",
    };

    private static Task<ToolResult> Echoscu(int port, params string[] options) =>
        ExternalTool.RunAsync("echoscu", [.. options, "-to", "10", "-aec", "DICOMGATEWAY", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture)], ExternalTool.LongTimeout);

    private DicomClientOptions ClientTo(int port, Action<X509Certificate2>? seen = null)
    {
        var trusted = DicomTls.ChainsTo([X509CertificateLoader.LoadCertificateFromFile(_ca.CaFile)], clientAuthentication: false);
        return new DicomClientOptions
        {
            Port = port, CalledAeTitle = "DICOMGATEWAY", CallingAeTitle = "TLS-TEST",
            Tls = new DicomTlsClientOptions
            {
                ValidateServerCertificate = certificate =>
                {
                    if (certificate is not null) seen?.Invoke(certificate);
                    return trusted(certificate);
                },
            },
        };
    }

    [Fact]
    public async Task Plain_and_tls_ports_serve_at_once_and_a_required_client_certificate_decides_who_stores()
    {
        var tlsPort = LoopbackPort.Free();
        await using var gw = await GatewayProcess.StartAsync(TlsSettings(tlsPort, "Required"));
        var modality = await _ca.IssueClientAsync("MODALITY");
        var files = Enumerable.Range(1, 3).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();

        var plain = await Echoscu(gw.Port);
        var withoutCertificate = await ExternalTool.RunAsync("storescu",
            ["+tla", "+cf", _ca.CaFile, "-aec", "DICOMGATEWAY", "127.0.0.1", tlsPort.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        var withCertificate = await ExternalTool.RunAsync("storescu",
            ["+tls", modality.KeyFile, modality.CertificateFile, "+cf", _ca.CaFile, "-aec", "DICOMGATEWAY", "127.0.0.1",
                tlsPort.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);

        plain.ExitCode.Should().Be(0, plain.Output);
        withoutCertificate.ExitCode.Should().NotBe(0, withoutCertificate.Output);
        withCertificate.ExitCode.Should().Be(0, withCertificate.Output);
        Directory.GetFiles(gw.BlobDirectory).Should().HaveCount(3, "only the caller with a certificate stored");
        (await gw.WaitForOutputAsync("TLS handshake failed")).Should().BeTrue(gw.Output);
    }

    [Fact]
    public async Task Tls_only_leaves_the_plain_port_closed()
    {
        var tlsPort = LoopbackPort.Free();
        await using var gw = await GatewayProcess.StartAsync(TlsSettings(tlsPort, only: true));

        var plain = await Echoscu(gw.Port);
        var secure = await Echoscu(tlsPort, "+tla", "+cf", _ca.CaFile);

        plain.ExitCode.Should().NotBe(0, plain.Output);
        secure.ExitCode.Should().Be(0, secure.Output);
    }

    [Fact]
    public async Task A_renewed_certificate_is_presented_to_the_next_caller_while_an_open_association_goes_on()
    {
        var tlsPort = LoopbackPort.Free();
        // The gateway reads copies, so the test can replace them as an administrator's renewal job would.
        var certificateFile = Path.Combine(_dir.Path, "gateway.pem");
        var keyFile = Path.Combine(_dir.Path, "gateway.key");
        File.Copy(_server.CertificateFile, certificateFile);
        File.Copy(_server.KeyFile, keyFile);
        var settings = TlsSettings(tlsPort);
        settings["Dicom__Tls__CertificateFile"] = certificateFile;
        settings["Dicom__Tls__KeyFile"] = keyFile;
        await using var gw = await GatewayProcess.StartAsync(settings);
        var renewed = await _ca.IssueServerAsync("renewed");
        string? first = null, second = null;

        await using var open = await DicomClient.AssociateAsync(ClientTo(tlsPort, c => first = c.Thumbprint), [PresentationContextProposal.Verification]);
        File.Copy(renewed.KeyFile, keyFile, overwrite: true);
        File.Copy(renewed.CertificateFile, certificateFile, overwrite: true);
        await using (var next = await DicomClient.AssociateAsync(ClientTo(tlsPort, c => second = c.Thumbprint), [PresentationContextProposal.Verification]))
        {
            (await next.EchoAsync()).Should().Be(DimseStatus.Success);
            await next.ReleaseAsync();
        }

        (await open.EchoAsync()).Should().Be(DimseStatus.Success, "the association that shook hands before the renewal goes on");
        await open.ReleaseAsync();
        using var expected = X509CertificateLoader.LoadCertificateFromFile(renewed.CertificateFile);
        first.Should().NotBeNull().And.NotBe(second);
        second.Should().Be(expected.Thumbprint);
    }

    [Fact]
    public async Task Sighup_reads_the_certificate_again_and_does_not_stop_the_gateway()
    {
        var tlsPort = LoopbackPort.Free();
        await using var gw = await GatewayProcess.StartAsync(TlsSettings(tlsPort));

        using (var hangUp = System.Diagnostics.Process.Start("kill", ["-HUP", gw.ProcessId.ToString(CultureInfo.InvariantCulture)]))
            await hangUp.WaitForExitAsync();

        (await gw.WaitForOutputAsync("SIGHUP")).Should().BeTrue(gw.Output);
        var secure = await Echoscu(tlsPort, "+tla", "+cf", _ca.CaFile);
        secure.ExitCode.Should().Be(0, secure.Output + gw.Output);
    }

    [Theory]
    [InlineData("no key")]
    [InlineData("key of another certificate")]
    [InlineData("missing file")]
    [InlineData("only without certificate")]
    [InlineData("empty authority file")]
    public async Task A_tls_setting_that_cannot_work_stops_the_gateway_at_start(string fault)
    {
        var other = await _ca.IssueServerAsync("other");
        var settings = TlsSettings(LoopbackPort.Free());
        switch (fault)
        {
            case "no key": settings.Remove("Dicom__Tls__KeyFile"); break;
            case "key of another certificate": settings["Dicom__Tls__KeyFile"] = other.KeyFile; break;
            case "missing file": settings["Dicom__Tls__CertificateFile"] = Path.Combine(_dir.Path, "absent.pem"); break;
            case "only without certificate":
                settings.Remove("Dicom__Tls__CertificateFile");
                settings.Remove("Dicom__Tls__KeyFile");
                settings["Dicom__Tls__Only"] = "true";
                break;
            case "empty authority file":
                var empty = Path.Combine(_dir.Path, "empty-ca.pem");
                await File.WriteAllTextAsync(empty, "");
                settings["Dicom__Tls__CaFile"] = empty;
                break;
        }

        var (exitCode, output) = await GatewayProcess.StartExpectingExitAsync(settings);

        exitCode.Should().NotBe(0);
        output.Should().Contain("Dicom:Tls:");
        output.Should().NotContain("PRIVATE KEY", "a key never appears in a message");
    }
}
