namespace DicomGateway.Studies;

/// <summary>
/// A study as the index knows it: who sent it, counters and times, keyed hashes of its UIDs and patient ID. Its
/// attributes exist only encrypted (in the instances' summaries and, once sealed, the manifest).
/// </summary>
public sealed record Study
{
    public required long Id { get; init; }

    /// <summary>Keyed hash of the Study Instance UID; several generations (follow-up shipments) share it.</summary>
    public required byte[] StudyKey { get; init; }

    public long Generation { get; init; }

    public required StudyState State { get; init; }

    public required string CallingAeTitle { get; init; }

    public required string CalledAeTitle { get; init; }

    public string? RemoteHost { get; init; }

    /// <summary>Why it was last held for an administrator; null when it never was (or was held before reasons were kept).</summary>
    public HoldReason? HoldReason { get; init; }

    /// <summary>Keyed hash of the Patient ID, for the audit trail and disclosure reports.</summary>
    public byte[]? PatientRef { get; init; }

    public long InstanceCount { get; init; }

    /// <summary>Plaintext bytes of all instances.</summary>
    public long TotalBytes { get; init; }

    public DateTimeOffset FirstReceivedAt { get; init; }

    public DateTimeOffset LastReceivedAt { get; init; }

    /// <summary>The blob (ordinal 0) holding the encrypted manifest, once sealed into shipments.</summary>
    public string? ManifestBlob { get; init; }

    /// <summary>The data key under the gateway key, while the gateway may still read the study; lent by <see cref="StudyStore.LendKey"/>.</summary>
    internal byte[]? WrappedKey { get; init; }

    /// <summary>True while the gateway holds the study's key (receiving, held, or sealed with a forward still to send).</summary>
    public bool IsReadable => WrappedKey is not null;
}

/// <summary>One instance of a study as indexed: where its blob is and how large it is.</summary>
public sealed record StoredInstance(long Id, int Ordinal, string Blob, long PlaintextLength, long CiphertextLength)
{
    /// <summary>The encrypted table-of-contents entry (<see cref="SummaryCodec"/>); null once the study is sealed.</summary>
    public byte[]? Summary { get; init; }
}
