using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DicomGateway.Audit;
using DicomGateway.Nodes;
using DicomKit.Network;
using Gateway.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Nodes;

/// <summary>
/// A node's certificate requirement: how thumbprints and distinguished names are written, normalised and matched, what
/// the validator refuses, and what the caller check answers with and without the certificate.
/// </summary>
public sealed class NodeCertificateTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TestDatabase _db = new();
    private readonly NodeStore _nodes;
    private readonly X509Certificate2 _node = Issue("CN=ct1, O=Clinic  Imaging", "CN=Hospital CA, O=Hospital");
    private readonly X509Certificate2 _other = Issue("CN=ct2, O=Clinic Imaging", "CN=Hospital CA, O=Hospital");

    public NodeCertificateTests()
    {
        _nodes = new NodeStore(_db.Database, [], new AuditTrail(_db.Database, TimeProvider.System), TimeProvider.System, NullLogger<NodeStore>.Instance);
    }

    public void Dispose()
    {
        _node.Dispose();
        _other.Dispose();
        _db.Dispose();
    }

    /// <summary>A self-contained certificate whose issuer name is <paramref name="issuer"/> (signed by a throw-away key: only names and hashes are compared here).</summary>
    private static X509Certificate2 Issue(string subject, string issuer)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        var caRequest = new CertificateRequest(issuer, caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        return request.Create(ca, now.AddDays(-1), now.AddDays(1), [1, 2, 3, 4]);
    }

    private static string Sha256(X509Certificate2 certificate) => Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));

    private static string WithColons(string hex) => string.Join(':', Enumerable.Range(0, hex.Length / 2).Select(i => hex.Substring(i * 2, 2)));

    [Fact]
    public void A_thumbprint_matches_in_any_case_with_colons_or_spaces()
    {
        var hex = Sha256(_node);
        foreach (var written in new[] { hex, hex.ToLowerInvariant(), WithColons(hex.ToLowerInvariant()), " " + string.Join(' ', WithColons(hex).Split(':')) + " " })
        {
            NodeCertificate.NormaliseThumbprint(written).Should().Be(hex, written);
            var requirement = NodeCertificate.Of(written, null, null)!;
            requirement.Matches(_node).Should().BeTrue(written);
            requirement.Matches(_other).Should().BeFalse(written);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("ABCD")]
    [InlineData("SHA1 of 40 digits: 0123456789abcdef0123456789abcdef01234567")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00")]
    public void A_thumbprint_that_is_not_sha256_hex_is_not_one(string written) =>
        NodeCertificate.NormaliseThumbprint(written).Should().BeNull();

    [Theory]
    [InlineData("CN=ct1, O=Clinic Imaging", "CN=Hospital CA, O=Hospital")]
    [InlineData("O=Clinic Imaging, CN=ct1", "O=Hospital, CN=Hospital CA")]
    [InlineData("cn=CT1,o=clinic   imaging", "CN=hospital ca,O=HOSPITAL")]
    [InlineData("/O=Clinic Imaging/CN=ct1", "/O=Hospital/CN=Hospital CA")]
    public void Subject_and_issuer_match_after_normalisation(string subject, string issuer)
    {
        var requirement = NodeCertificate.Of(null, subject, issuer)!;
        requirement.Matches(_node).Should().BeTrue();
        requirement.Matches(_other).Should().BeFalse("another subject");
    }

    [Fact]
    public void A_matching_subject_under_another_issuer_does_not_match() =>
        NodeCertificate.Of(null, "CN=ct1, O=Clinic Imaging", "CN=Other CA").Should().NotBeNull()
            .And.Match<NodeCertificate>(r => !r.Matches(_node));

    [Fact]
    public void A_subject_that_is_one_attribute_short_does_not_match() =>
        NodeCertificate.Of(null, "CN=ct1", "CN=Hospital CA, O=Hospital")!.Matches(_node).Should().BeFalse();

    [Theory]
    [InlineData("certificateThumbprint", "not hex", null, null, true)]
    [InlineData("certificateThumbprint", "ab:cd", null, null, true)]
    [InlineData("certificateIssuer", null, "CN=ct1", null, true)]
    [InlineData("certificateSubject", null, null, "CN=CA", true)]
    [InlineData("certificateSubject", null, "no equals sign", "CN=CA", true)]
    [InlineData("certificateIssuer", null, "CN=ct1", "=broken", true)]
    [InlineData("certificateThumbprint", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "CN=ct1", "CN=CA", true)]
    [InlineData("certificateThumbprint", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", null, null, false)]
    public void A_certificate_requirement_that_cannot_work_is_refused_with_the_field_named(string field, string? thumbprint, string? subject, string? issuer,
        bool allowedToSend)
    {
        var input = new NodeInput
        {
            Name = "CT", AeTitle = "CT1", Host = "127.0.0.1", Port = 104, AllowedToSend = allowedToSend,
            CertificateThumbprint = thumbprint, CertificateSubject = subject, CertificateIssuer = issuer,
        };

        var (valid, errors) = NodeValidator.Check(input);

        valid.Should().BeNull();
        errors.Should().ContainKey(field);
    }

    [Fact]
    public async Task The_fields_are_stored_normalised_and_seal_on_commitment_defaults_to_true()
    {
        var hex = Sha256(_node);
        var id = await _nodes.AddAsync(new NodeInput
        {
            Name = "CT", AeTitle = "CT1", Host = "127.0.0.1", Port = 104, AllowedToSend = true, Tls = true,
            CertificateThumbprint = " " + WithColons(hex.ToLowerInvariant()) + " ",
        }, "admin.test", None);

        var node = (await _nodes.GetAsync(id, None))!;
        node.Tls.Should().BeTrue();
        node.CertificateThumbprint.Should().Be(hex);
        node.RequiresCertificate.Should().BeTrue();
        node.SealOnCommitment.Should().BeTrue("absent from the body means the default");

        (await _nodes.UpdateAsync(id, new NodeInput
        {
            Name = "CT", AeTitle = "CT1", Host = "127.0.0.1", Port = 104, AllowedToSend = true, SealOnCommitment = false,
            CertificateSubject = " CN=ct1, O=Clinic Imaging ", CertificateIssuer = "CN=Hospital CA, O=Hospital",
        }, "admin.test", None)).Should().BeTrue();
        node = (await _nodes.GetAsync(id, None))!;
        node.Tls.Should().BeFalse();
        node.SealOnCommitment.Should().BeFalse();
        node.CertificateThumbprint.Should().BeNull();
        node.CertificateSubject.Should().Be("CN=ct1, O=Clinic Imaging");
    }

    [Fact]
    public async Task A_node_with_a_requirement_is_allowed_only_with_its_certificate()
    {
        await _nodes.AddAsync(new NodeInput
        {
            Name = "CT", AeTitle = "CT1", Host = "127.0.0.1", Port = 104, AllowedToSend = true, CertificateThumbprint = Sha256(_node),
        }, "admin.test", None);
        await _nodes.AddAsync(new NodeInput
        {
            Name = "MR", AeTitle = "MR1", Host = "127.0.0.1", Port = 104, AllowedToSend = true,
            CertificateSubject = "CN=ct2, O=Clinic Imaging", CertificateIssuer = "CN=Hospital CA, O=Hospital",
        }, "admin.test", None);
        await _nodes.AddAsync(new NodeInput { Name = "US", AeTitle = "US1", Host = "127.0.0.1", Port = 104, AllowedToSend = true }, "admin.test", None);
        var here = IPAddress.Loopback;

        (await _nodes.IdentifyCallerAsync("CT1", here, _node, None)).Should().Be(CallerStatus.Allowed);
        (await _nodes.IdentifyCallerAsync("CT1", here, _other, None)).Should().Be(CallerStatus.WrongCertificate);
        (await _nodes.IdentifyCallerAsync("CT1", here, null, None)).Should().Be(CallerStatus.CertificateMissing);
        (await _nodes.IdentifyCallerAsync("CT1", IPAddress.Parse("10.9.9.9"), _node, None)).Should().Be(CallerStatus.WrongAddress, "the address is checked too");
        (await _nodes.IdentifyCallerAsync("MR1", here, _other, None)).Should().Be(CallerStatus.Allowed);
        (await _nodes.IdentifyCallerAsync("MR1", here, _node, None)).Should().Be(CallerStatus.WrongCertificate);
        (await _nodes.IdentifyCallerAsync("US1", here, null, None)).Should().Be(CallerStatus.Allowed, "a node without a requirement needs no certificate");
        (await _nodes.IdentifyCallerAsync("US1", here, _other, None)).Should().Be(CallerStatus.Allowed);
    }
}
