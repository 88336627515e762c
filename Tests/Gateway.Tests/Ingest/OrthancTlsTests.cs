using System.Globalization;
using System.Text.Json.Nodes;
using DicomGateway.Nodes;
using DicomKit.Data;
using DicomKit.IO;
using Gateway.Tests.Forwarding;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Ingest;

/// <summary>
/// Orthanc (Debian's package, DICOM TLS enabled in its configuration) as a real peer over TLS, both ways: it sends
/// to the gateway's TLS port with its certificate, and receives the gateway's forwards, requiring the gateway's.
/// </summary>
public sealed class OrthancTlsTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new("gw-orthanc-tls-");
    private TestCertificates _ca = null!;
    private PemPair _orthanc = null!;

    public async Task InitializeAsync()
    {
        _ca = await TestCertificates.CreateAsync();
        _orthanc = await _ca.IssuePeerAsync("orthanc");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _ca?.Dispose();
        _dir.Dispose();
    }

    private JsonObject OrthancTls(bool requireRemoteCertificate) => new()
    {
        ["DicomTlsEnabled"] = true,
        ["DicomTlsCertificate"] = _orthanc.CertificateFile,
        ["DicomTlsPrivateKey"] = _orthanc.KeyFile,
        ["DicomTlsTrustedCertificates"] = _ca.CaFile,
        ["DicomTlsRemoteCertificateRequired"] = requireRemoteCertificate,
    };

    [Fact]
    public async Task Orthanc_sends_to_the_gateway_over_tls_with_a_required_client_certificate()
    {
        var server = await _ca.IssueServerAsync();
        var tlsPort = LoopbackPort.Free();
        await using var gw = await GatewayProcess.StartAsync(new Dictionary<string, string>
        {
            ["Dicom__Tls__Port"] = tlsPort.ToString(CultureInfo.InvariantCulture),
            ["Dicom__Tls__CertificateFile"] = server.CertificateFile,
            ["Dicom__Tls__KeyFile"] = server.KeyFile,
            ["Dicom__Tls__ClientCertificates"] = "Required",
            ["Dicom__Tls__CaFile"] = _ca.CaFile,
            ["Dicom__Tls__Only"] = "true",
        });
        var settings = OrthancTls(requireRemoteCertificate: true);
        settings["DicomModalities"] = new JsonObject
        {
            ["gateway"] = new JsonObject { ["AET"] = "DICOMGATEWAY", ["Host"] = "127.0.0.1", ["Port"] = tlsPort, ["UseDicomTls"] = true },
        };
        await using var orthanc = await OrthancPeer.StartAsync(settings);
        var ids = new List<string>();
        foreach (var file in Enumerable.Range(1, 3).Select(i => Instances.WriteCt(_dir.Path, i)))
            ids.Add(await orthanc.UploadAsync(file));

        var (status, body) = await orthanc.StoreToAsync("gateway", ids);

        status.Should().Be(200, body + gw.Output);
        Directory.GetFiles(gw.BlobDirectory).Should().HaveCount(3);
    }

    [Fact]
    public async Task The_gateway_forwards_to_orthanc_over_tls_and_orthanc_holds_every_instance()
    {
        var gatewayCertificate = await _ca.IssueClientAsync("GATEWAY");
        var tls = new NodeTls(Options.Create(new NodeTlsOptions
        {
            AeTitles = [OrthancPeer.AeTitle],
            CertificateFile = gatewayCertificate.CertificateFile,
            KeyFile = gatewayCertificate.KeyFile,
            CaFile = _ca.CaFile,
        }));
        await using var orthanc = await OrthancPeer.StartAsync(OrthancTls(requireRemoteCertificate: true));
        await using var gateway = new ForwardingHarness(tls: tls);
        var study = await gateway.SeedStudyAsync(3);
        var node = await gateway.AddNodeAsync(orthanc.DicomPort, OrthancPeer.AeTitle);
        await gateway.StartAsync();

        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed" || r.LastError is not null);

        row.State.Should().Be("done", row.LastError);
        var expected = study.SourceFiles.Select(f => DicomFile.Open(f, null).Dataset.GetString(Tags.SOPInstanceUID)!);
        (await orthanc.SopInstanceUidsAsync()).Should().BeEquivalentTo(expected);
    }
}
