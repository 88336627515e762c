namespace DicomGateway.Nodes;

/// <summary>A known DICOM node as the administration API shows it.</summary>
public sealed record Node
{
    public long Id { get; init; }
    public required string Name { get; init; }
    public required string AeTitle { get; init; }
    public required string Host { get; init; }
    public int Port { get; init; }

    /// <summary>May associate with the gateway. When any node has this, only such nodes may.</summary>
    public bool AllowedToSend { get; init; }

    /// <summary>Routing rules may forward studies to it.</summary>
    public bool ForwardDestination { get; init; }

    public string? Description { get; init; }

    /// <summary>
    /// The IP addresses, CIDR networks and host names the node may call from when it is allowed to send; empty means
    /// the node's <see cref="Host"/>.
    /// </summary>
    public IReadOnlyList<string> CallingAddresses { get; init; } = [];

    /// <summary>The node's own transfer syntax preference (UIDs and "compressed"); empty means the listener's.</summary>
    public IReadOnlyList<string> TransferSyntaxes { get; init; } = [];

    /// <summary>Forwarding and the C-ECHO test call the node over DICOM TLS (PS3.15 Annex B) rather than plain DICOM.</summary>
    public bool Tls { get; init; }

    /// <summary>
    /// The SHA-256 thumbprint (64 upper-case hex digits) of the certificate the node must present when it calls over
    /// TLS, or null. With it, the node is refused over plain DICOM and over TLS with any other certificate.
    /// </summary>
    public string? CertificateThumbprint { get; init; }

    /// <summary>The subject distinguished name the node's certificate must have (with <see cref="CertificateIssuer"/>), or null.</summary>
    public string? CertificateSubject { get; init; }

    /// <summary>The issuer distinguished name the node's certificate must have (with <see cref="CertificateSubject"/>), or null.</summary>
    public string? CertificateIssuer { get; init; }

    /// <summary>Whether a certificate requirement applies: a thumbprint, or a subject and an issuer.</summary>
    public bool RequiresCertificate => CertificateThumbprint is not null || (CertificateSubject is not null && CertificateIssuer is not null);

    /// <summary>
    /// A storage commitment request from this node that covers a whole study seals the study at once, rather than after
    /// the stable-study delay. True unless an administrator turns it off.
    /// </summary>
    public bool SealOnCommitment { get; init; } = true;

    /// <summary>The last C-ECHO test from the administration page, or null if never tested.</summary>
    public NodeEchoRecord? LastEcho { get; init; }
}

/// <summary>What the last C-ECHO test found.</summary>
public sealed record NodeEchoRecord(DateTimeOffset At, bool Ok, string? Message);

/// <summary>A node as an administrator writes it (POST and PUT bodies). Everything is checked by <see cref="NodeValidator"/>.</summary>
public sealed record NodeInput
{
    public string? Name { get; init; }
    public string? AeTitle { get; init; }
    public string? Host { get; init; }
    public int? Port { get; init; }
    public bool AllowedToSend { get; init; }
    public bool ForwardDestination { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string>? CallingAddresses { get; init; }
    public IReadOnlyList<string>? TransferSyntaxes { get; init; }
    public bool Tls { get; init; }
    public string? CertificateThumbprint { get; init; }
    public string? CertificateSubject { get; init; }
    public string? CertificateIssuer { get; init; }

    /// <summary>Null (absent from the body) means true, the default.</summary>
    public bool? SealOnCommitment { get; init; }
}

/// <summary>The input does not describe a valid node; <see cref="Errors"/> names each field's problems (camelCase, as in the API).</summary>
public sealed class NodeValidationException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("The node is not valid: " + string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(", ", e.Value))))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>The node cannot be deleted now (a rule or a pending forward uses it); the message says which.</summary>
public sealed class NodeInUseException(string message) : Exception(message);
