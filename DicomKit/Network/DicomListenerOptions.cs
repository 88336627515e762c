using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace DicomKit.Network;

/// <summary>
/// Settings of a <see cref="DicomListener"/>, a plain class so the Gateway binds it from configuration section
/// <see cref="SectionName"/>. Times are TimeSpans ("00:00:30" in JSON). Every bound here exists because an
/// unbounded one let a misbehaving peer hold a resource: a socket (timeouts), memory (PDU size) or threads (concurrency).
/// </summary>
public sealed class DicomListenerOptions
{
    public const string SectionName = "Dicom";

    /// <summary>Our AE title; a request calling any other is rejected (A-ASSOCIATE-RJ reason 7).</summary>
    public string AeTitle { get; set; } = "DICOMGATEWAY";

    /// <summary>
    /// Further called AE titles to answer to besides <see cref="AeTitle"/>, asked at each association (so the set
    /// can change while the listener runs): the Gateway answers to every AE title a routing rule names. Not bound
    /// from configuration.
    /// </summary>
    public Func<string, bool>? AcceptsCalledAeTitle { get; set; }

    /// <summary>
    /// The owner's registry of callers, asked at each association after <see cref="AllowedCallingAeTitles"/> with the
    /// calling AE title (trimmed), the caller's address and the client certificate it presented in the TLS handshake
    /// (null over plain DICOM or when it presented none; it has passed the listener's chain check). A delegate, not a list, so the owner can change the set while
    /// the listener runs (the Gateway's node registry). It is called on the listener's path: answer from memory, and
    /// resolve host names only within the token's time. Not bound from configuration.
    /// </summary>
    public Func<string, IPAddress?, X509Certificate2?, CancellationToken, ValueTask<CallerStatus>>? IdentifyCaller { get; set; }

    /// <summary>
    /// Whether a caller neither <see cref="AllowedCallingAeTitles"/> nor <see cref="IdentifyCaller"/> knows may associate.
    /// The rule: every allow-list in effect must admit the caller from its address (an AE title listed for other
    /// addresses is always refused), and, when this is false, at least one of them must name it. True by default so
    /// that a first try works; then anyone who reaches the port can send.
    /// </summary>
    public bool AcceptUnknownCallers { get; set; } = true;

    /// <summary>
    /// Told of every association refused for its called or calling AE title or the caller's address, after the
    /// A-ASSOCIATE-RJ is decided (the Gateway's audit trail). Called on the listener's path: do not block. Not bound
    /// from configuration.
    /// </summary>
    public Action<CallerRefusal>? CallerRefused { get; set; }

    /// <summary>
    /// Told of every association accepted: the calling AE title (trimmed) and the caller's address (metrics). Called on
    /// the listener's path: do not block. Not bound from configuration.
    /// </summary>
    public Action<string, System.Net.IPAddress?>? CallerAccepted { get; set; }

    /// <summary>
    /// Whether the caller of an A-ASSOCIATE-RQ (calling AE title, trimmed, and the connection's remote address) is a
    /// registered node: its associations may use the slots kept by <see cref="ReservedAssociationsForNodes"/> and are
    /// not counted against <see cref="MaxConnectionsPerAddress"/>. Both the title and the address count, so a stranger
    /// cannot claim a node's slots by borrowing its AE title. Called on the listener's path: answer from memory. Null:
    /// every caller is a stranger. Not bound from configuration.
    /// </summary>
    public Func<string, System.Net.IPAddress?, bool>? IsRegisteredNode { get; set; }

    /// <summary>
    /// The Storage Commitment Push Model SCP's owner (PS3.4 Annex J). When null the SOP class is not accepted, so a
    /// requester learns at association time that commitment is not offered. Not bound from configuration (and not named
    /// StorageCommitment, the configuration section of the Gateway's commitment settings under Dicom).
    /// </summary>
    public IStorageCommitmentHandler? StorageCommitmentHandler { get; set; }

    /// <summary>
    /// Why the owner cannot store now (a full disk), or null when it can. An association that proposes anything but
    /// Verification is then refused as transient, service-provider (presentation), local limit exceeded (PS3.8 7.1.1.9),
    /// so that the sender retries later instead of being told of a failure per instance; Verification alone is still
    /// accepted. Called on the listener's path: answer from memory. Not bound from configuration.
    /// </summary>
    public Func<string?>? StorageUnavailable { get; set; }

    public int Port { get; set; } = 11112;

    /// <summary>Address to bind: "0.0.0.0" for all IPv4 interfaces, "::" for all (dual stack), or one address.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// Associations served at once. One more is answered with A-ASSOCIATE-RJ (transient, presentation-related,
    /// local limit exceeded) so the sender retries later instead of timing out.
    /// </summary>
    public int MaxConcurrentAssociations { get; set; } = 32;

    /// <summary>
    /// Associations one address may hold when its caller is not a registered node (<see cref="IsRegisteredNode"/>); one
    /// more is rejected as transient (local limit exceeded), so one host cannot take every slot.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 8;

    /// <summary>
    /// Association slots of <see cref="MaxConcurrentAssociations"/> only registered nodes may take: strangers are
    /// rejected as transient once the others are in use, so a modality is served while strangers wait. At most
    /// <see cref="MaxConcurrentAssociations"/> - 1 are kept, so a stranger can always be served when all is quiet.
    /// </summary>
    public int ReservedAssociationsForNodes { get; set; } = 8;

    /// <summary>
    /// Connections that have not yet sent a complete A-ASSOCIATE-RQ held at once. One more closes the oldest such
    /// connection of the address holding the most: idle connections displace each other, not the callers that speak.
    /// </summary>
    public int MaxPendingConnections { get; set; } = 256;

    /// <summary>An established association silent this long is aborted.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// ARTIM (PS3.8 9.1.5): the wait for a complete A-ASSOCIATE-RQ after connect (counted from the connect, however
    /// slowly its bytes trickle in), and for the close after release or abort.
    /// </summary>
    public TimeSpan ArtimTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Largest P-DATA-TF body we receive, announced as our maximum length. It is also the most memory one
    /// association's receive buffer ever holds, whatever length a peer declares.
    /// </summary>
    public int MaxPduLength { get; set; } = 64 * 1024;

    /// <summary>
    /// When not empty, only these calling AE titles may associate. The value restricts the host the title may
    /// come from: "*" or empty for any host, else IP addresses, CIDR networks (10.0.0.0/8) or host names separated by ',' or ';'. A caller
    /// that fails gets A-ASSOCIATE-RJ (permanent, service-user, reason 3) and a log line.
    /// </summary>
    public Dictionary<string, string> AllowedCallingAeTitles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The entry of <see cref="PreferredTransferSyntaxes"/> that stands for every encapsulated (compressed, lossless or
    /// lossy) transfer syntax the standard defines, taken in the order the caller proposes them.
    /// </summary>
    public const string Compressed = "compressed";

    /// <summary>
    /// The preference when <see cref="PreferredTransferSyntaxes"/> is empty: a compressed syntax as the modality offers
    /// it, so the instance is stored and shipped as it was encoded; then Explicit, then Implicit VR Little Endian.
    /// </summary>
    public static IReadOnlyList<string> DefaultPreferredTransferSyntaxes { get; } = [Compressed, "1.2.840.10008.1.2.1", "1.2.840.10008.1.2"];

    /// <summary>
    /// Which proposed transfer syntax a storage presentation context is accepted in: the first entry (a transfer
    /// syntax UID, or <see cref="Compressed"/>) that matches a proposed syntax wins; when none does, the first proposed
    /// syntax the standard defines. Empty means <see cref="DefaultPreferredTransferSyntaxes"/>. Empty by default
    /// because configuration binding appends to a list, and an administrator's list must replace the default.
    /// </summary>
    public List<string> PreferredTransferSyntaxes { get; set; } = [];

    /// <summary>The preference in effect: <see cref="PreferredTransferSyntaxes"/>, or the default when it is empty.</summary>
    public IReadOnlyList<string> EffectivePreferredTransferSyntaxes =>
        PreferredTransferSyntaxes.Count > 0 ? PreferredTransferSyntaxes : DefaultPreferredTransferSyntaxes;

    /// <summary>
    /// A calling AE title's own preference list (same entries as <see cref="PreferredTransferSyntaxes"/>), or null or
    /// empty to use the listener's. The Gateway answers from its node registry. Called on the listener's path: answer
    /// from memory. Not bound from configuration.
    /// </summary>
    public Func<string, IReadOnlyList<string>?>? PreferredTransferSyntaxesFor { get; set; }

    /// <summary>Why <paramref name="entry"/> cannot be a transfer syntax preference, or null when it can.</summary>
    public static string? TransferSyntaxPreferenceProblem(string? entry) =>
        entry == Compressed || (entry is not null && DicomKit.IO.DicomTransferSyntax.IsKnown(entry) && entry == entry.Trim())
            ? null
            : $"'{entry}' is neither \"{Compressed}\" nor a transfer syntax UID of the standard";

    /// <summary>
    /// A copy with every setting, delegates included, for a second listener on another port (DICOM over TLS beside
    /// plain DICOM) that must answer exactly as the first.
    /// </summary>
    public DicomListenerOptions Clone()
    {
        var copy = (DicomListenerOptions)MemberwiseClone();
        copy.AllowedCallingAeTitles = new Dictionary<string, string>(AllowedCallingAeTitles, AllowedCallingAeTitles.Comparer);
        copy.PreferredTransferSyntaxes = [.. PreferredTransferSyntaxes];
        return copy;
    }

    /// <summary>Checks the values a configuration file could get wrong; the Gateway calls it at start.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(AeTitle) || AeTitle.Trim().Length > 16 || AeTitle.Contains('\\', StringComparison.Ordinal))
            yield return "AeTitle must be 1 to 16 characters without backslash";
        if (Port is < 0 or > 65535)
            yield return "Port must be 0-65535";
        if (!System.Net.IPAddress.TryParse(BindAddress, out _))
            yield return "BindAddress must be an IP address";
        if (MaxConcurrentAssociations < 1)
            yield return "MaxConcurrentAssociations must be at least 1";
        if (MaxConnectionsPerAddress < 1)
            yield return "MaxConnectionsPerAddress must be at least 1";
        if (ReservedAssociationsForNodes < 0)
            yield return "ReservedAssociationsForNodes must be 0 or more";
        if (MaxPendingConnections < 1)
            yield return "MaxPendingConnections must be at least 1";
        if (MaxPduLength is < 4096 or > 16 * 1024 * 1024)
            yield return "MaxPduLength must be 4096 to 16777216";
        if (IdleTimeout <= TimeSpan.Zero || ArtimTimeout <= TimeSpan.Zero)
            yield return "IdleTimeout and ArtimTimeout must be positive";
        foreach (var entry in PreferredTransferSyntaxes)
        {
            if (TransferSyntaxPreferenceProblem(entry) is { } problem)
                yield return "PreferredTransferSyntaxes: " + problem;
        }
    }
}
