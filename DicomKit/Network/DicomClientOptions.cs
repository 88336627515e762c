namespace DicomKit.Network;

/// <summary>Where and as whom a <see cref="DicomClient"/> associates. A plain class for configuration binding.</summary>
public sealed class DicomClientOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 104;
    public string CallingAeTitle { get; set; } = "DICOMGATEWAY";
    public string CalledAeTitle { get; set; } = "ANY-SCP";

    /// <summary>Largest P-DATA-TF body we receive (announced) and send when the peer sets no limit.</summary>
    public int MaxPduLength { get; set; } = 64 * 1024;

    /// <summary>Bounds the wait for each answer: A-ASSOCIATE-AC, a DIMSE response, A-RELEASE-RP.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>ARTIM: how long to wait for the peer to close after an abort.</summary>
    public TimeSpan ArtimTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>DICOM over TLS when set (PS3.15 Annex B); plain TCP when null. Not bound from configuration.</summary>
    public DicomTlsClientOptions? Tls { get; set; }
}

/// <summary>A presentation context to propose: one SOP class, the transfer syntaxes we can send it in, in order of preference.</summary>
public sealed record PresentationContextProposal(string AbstractSyntax, IReadOnlyList<string> TransferSyntaxes)
{
    /// <summary>
    /// Proposes SCP/SCU Role Selection with SCU role 0 and SCP role 1 (PS3.7 D.3.3.4): we, the requestor, act as the
    /// SCP of this SOP class, as the sender of a Storage Commitment report on an association it opens must.
    /// </summary>
    public bool RequestorIsScp { get; init; }

    /// <summary>Storage Commitment Push Model in the two syntaxes every peer reads.</summary>
    public static PresentationContextProposal StorageCommitment { get; } =
        new(StorageCommitmentUids.SopClass, [Services.KnownUids.ExplicitVRLittleEndian, Services.KnownUids.ImplicitVRLittleEndian]);

    /// <summary>Verification with Implicit VR Little Endian, the one syntax every acceptor supports.</summary>
    public static PresentationContextProposal Verification { get; } = new(Services.KnownUids.Verification, [Services.KnownUids.ImplicitVRLittleEndian]);
}

/// <summary>A presentation context the peer accepted, with the transfer syntax it chose.</summary>
public sealed record AcceptedPresentationContext(byte Id, string AbstractSyntax, string TransferSyntax);

/// <summary>
/// One instance for C-STORE: the data set bytes (after the Part-10 meta header) in <paramref name="TransferSyntaxUid"/>,
/// read from <paramref name="DataSet"/> as they are sent, never loaded whole.
/// </summary>
public sealed record StoreRequest(string SopClassUid, string SopInstanceUid, string TransferSyntaxUid, Stream DataSet, long Length)
{
    public ushort Priority { get; init; }
    public string? MoveOriginatorAeTitle { get; init; }
    public ushort? MoveOriginatorMessageId { get; init; }
}

/// <summary>The peer's answer to one C-STORE. A failure status is a result for this instance, not an exception.</summary>
public sealed record StoreResult(string SopInstanceUid, DimseStatus Status, string? ErrorComment);
