using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dapper;
using DicomGateway.Administration;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Ingest;

/// <summary>
/// A node that must prove itself with its TLS client certificate, through the real executable and DCMTK's echoscu and
/// storescu +tls: its certificate is accepted; another certificate of the same authority, no certificate, and plain
/// DICOM are refused with A-ASSOCIATE-RJ (calling AE title not recognised) and audited with the cause, even though
/// Dicom:AcceptUnknownCallers is left true.
/// </summary>
public sealed class NodeCertificateInteropTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new("gw-nodecert-");
    private TestCertificates _ca = null!;
    private PemPair _server = null!;
    private PemPair _modality = null!;
    private PemPair _impostor = null!;

    public async Task InitializeAsync()
    {
        _ca = await TestCertificates.CreateAsync();
        _server = await _ca.IssueServerAsync();
        _modality = await _ca.IssueClientAsync("MODALITY");
        _impostor = await _ca.IssueClientAsync("IMPOSTOR");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _ca?.Dispose();
        _dir.Dispose();
    }

    private static string Sha256(PemPair pair)
    {
        using var certificate = X509Certificate2.CreateFromPemFile(pair.CertificateFile, pair.KeyFile);
        return Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));
    }

    [Theory]
    [InlineData("thumbprint")]
    [InlineData("subject and issuer")]
    public async Task Only_the_nodes_own_certificate_lets_it_associate(string requirement)
    {
        var tlsPort = LoopbackPort.Free();
        await using var gw = await AdminGateway.StartAsync(new Dictionary<string, string>
        {
            ["Dicom__Tls__Port"] = tlsPort.ToString(CultureInfo.InvariantCulture),
            ["Dicom__Tls__CertificateFile"] = _server.CertificateFile,
            ["Dicom__Tls__KeyFile"] = _server.KeyFile,
            ["Dicom__Tls__ClientCertificates"] = "Optional",
            ["Dicom__Tls__CaFile"] = _ca.CaFile,
        });
        using var admin = await gw.SignInAsRoleAsync(AdminRoles.Administrator);
        // The thumbprint as an administrator copies it from openssl: lower case, colons between bytes.
        var hex = Sha256(_modality).ToLowerInvariant();
        var thumbprint = string.Join(':', Enumerable.Range(0, 32).Select(i => hex.Substring(i * 2, 2)));
        using var created = await admin.PostAsJsonAsync("/api/nodes", requirement == "thumbprint"
            ? (object)new { name = "CT", aeTitle = "CT1", host = "127.0.0.1", port = 104, allowedToSend = true, certificateThumbprint = thumbprint }
            : new { name = "CT", aeTitle = "CT1", host = "127.0.0.1", port = 104, allowedToSend = true, certificateSubject = "/CN=MODALITY", certificateIssuer = "cn=dicomgateway test ca" });
        created.StatusCode.Should().Be(HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        var file = Instances.WriteCt(_dir.Path, 1);
        var tls = tlsPort.ToString(CultureInfo.InvariantCulture);
        Task<ToolResult> Run(string tool, string port, params string[] options) =>
            ExternalTool.RunAsync(tool, [.. options, "-to", "10", "-ta", "10", "-aet", "CT1", "-aec", "DICOMGATEWAY", "127.0.0.1", port,
                .. tool == "storescu" ? new[] { file } : []], ExternalTool.LongTimeout);

        var echo = await Run("echoscu", tls, "+tls", _modality.KeyFile, _modality.CertificateFile, "+cf", _ca.CaFile);
        var store = await Run("storescu", tls, "+tls", _modality.KeyFile, _modality.CertificateFile, "+cf", _ca.CaFile);
        var impostor = await Run("storescu", tls, "+tls", _impostor.KeyFile, _impostor.CertificateFile, "+cf", _ca.CaFile);
        var withoutCertificate = await Run("storescu", tls, "+tla", "+cf", _ca.CaFile);
        var plain = await Run("storescu", gw.Process.Port.ToString(CultureInfo.InvariantCulture));

        echo.ExitCode.Should().Be(0, echo.Output);
        store.ExitCode.Should().Be(0, store.Output);
        foreach (var refused in new[] { impostor, withoutCertificate, plain })
        {
            refused.ExitCode.Should().NotBe(0, refused.Output);
            refused.Output.Should().Contain("Association Rejected").And.Contain("Calling AE Title Not Recognized");
        }
        Directory.GetFiles(gw.Process.BlobDirectory).Should().HaveCount(1, "only the node with its own certificate stored");
        gw.Process.Output.Should().Contain("presented a TLS client certificate that is not the one registered for it")
            .And.Contain("must present its TLS client certificate and presented none");

        (await gw.Process.TerminateAsync()).Should().Be(0);
        await using var db = new SqliteConnection($"Data Source={gw.Process.DatabasePath};Mode=ReadOnly;Pooling=False");
        var alerts = (await db.QueryAsync<string>(
            "SELECT detail FROM audit_events WHERE event_id = '110113' AND event_type = '110126' ORDER BY id")).ToList();
        alerts.Should().Contain(d => d.Contains("is not its own", StringComparison.Ordinal))
            .And.Contain(d => d.Contains("requires a TLS client certificate and presented none", StringComparison.Ordinal));
        alerts.Should().OnlyContain(d => d.Contains("\"calling AE title not recognized\"", StringComparison.Ordinal)
            && !d.Contains(hex, StringComparison.OrdinalIgnoreCase) && !d.Contains("PRIVATE KEY", StringComparison.Ordinal));
    }
}
