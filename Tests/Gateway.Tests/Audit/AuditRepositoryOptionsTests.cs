using DicomGateway.Audit;
using DicomGateway.Tests.Support;

namespace Gateway.Tests.Audit;

public sealed class AuditRepositoryOptionsTests : IDisposable
{
    private readonly TempDirectory _directory = new("dgw-audit-options-");

    public void Dispose() => _directory.Dispose();

    private AuditRepositoryOptions Options(Action<AuditRepositoryOptions> change)
    {
        var options = new AuditRepositoryOptions { Enabled = true, Host = "127.0.0.1", Transport = AuditTransport.Udp };
        options.ContentRoot = _directory.Path;
        change(options);
        return options;
    }

    [Fact]
    public void A_disabled_export_checks_nothing() =>
        new AuditRepositoryOptions { Enabled = false, Port = -5, CaFile = "missing.pem" }.Validate().Should().BeEmpty();

    [Fact]
    public void Udp_needs_only_a_host() => Options(_ => { }).Validate().Should().BeEmpty();

    [Theory]
    [InlineData(null, 0, "Host is required")]
    [InlineData(" ", 0, "Host is required")]
    [InlineData("127.0.0.1", -1, "Port must be from 1 to 65535")]
    [InlineData("127.0.0.1", 65536, "Port must be from 1 to 65535")]
    public void A_missing_host_or_a_port_out_of_range_is_refused(string? host, int port, string problem) =>
        Options(o => { o.Host = host; o.Port = port; }).Validate().Should().ContainSingle().Which.Should().StartWith(problem);

    [Fact]
    public void An_unknown_transport_is_refused() =>
        Options(o => o.Transport = (AuditTransport)7).Validate().Should().Contain(p => p.StartsWith("Transport must be", StringComparison.Ordinal));

    [Fact]
    public void Tls_without_a_ca_file_is_refused() =>
        Options(o => o.Transport = AuditTransport.Tls).Validate().Should().ContainSingle().Which.Should().StartWith("CaFile is required");

    [Fact]
    public async Task Tls_with_a_missing_or_empty_ca_file_is_refused()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory.Path, "empty.pem"), "");

        Options(o => { o.Transport = AuditTransport.Tls; o.CaFile = "missing.pem"; }).Validate().Should().ContainSingle().Which.Should().StartWith("CaFile cannot be loaded");
        Options(o => { o.Transport = AuditTransport.Tls; o.CaFile = "empty.pem"; }).Validate().Should().ContainSingle().Which.Should().StartWith("CaFile cannot be loaded");
    }

    [Fact]
    public async Task A_client_certificate_needs_its_key_and_both_must_load()
    {
        using var certificates = await TestCertificates.CreateAsync();
        var client = await certificates.IssueClientAsync();

        Options(o => { o.Transport = AuditTransport.Tls; o.CaFile = certificates.CaFile; o.CertificateFile = client.CertificateFile; })
            .Validate().Should().ContainSingle().Which.Should().Be("CertificateFile and KeyFile go together");
        Options(o => { o.Transport = AuditTransport.Tls; o.CaFile = certificates.CaFile; o.CertificateFile = client.CertificateFile; o.KeyFile = certificates.CaFile; })
            .Validate().Should().ContainSingle().Which.Should().StartWith("CertificateFile/KeyFile cannot be loaded");
        Options(o => { o.Transport = AuditTransport.Tls; o.CaFile = certificates.CaFile; o.CertificateFile = client.CertificateFile; o.KeyFile = client.KeyFile; })
            .Validate().Should().BeEmpty();
    }

    [Fact]
    public void The_port_defaults_to_the_transports_registered_one()
    {
        Options(o => o.Transport = AuditTransport.Tls).EffectivePort.Should().Be(6514);
        Options(o => o.Transport = AuditTransport.Udp).EffectivePort.Should().Be(514);
        Options(o => o.Port = 1514).EffectivePort.Should().Be(1514);
    }
}
