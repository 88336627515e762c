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
    /// A further test of the calling AE title (trimmed), asked at each association after
    /// <see cref="AllowedCallingAeTitles"/>: false rejects the caller like an unlisted title (A-ASSOCIATE-RJ permanent,
    /// service-user, reason 3). A delegate, not a list, so the owner can change the set while the listener runs (the
    /// Gateway's node registry) and decide when no restriction applies. It is called on the listener's path: answer from
    /// memory. Not bound from configuration.
    /// </summary>
    public Func<string, bool>? AcceptsCallingAeTitle { get; set; }

    public int Port { get; set; } = 11112;

    /// <summary>Address to bind: "0.0.0.0" for all IPv4 interfaces, "::" for all (dual stack), or one address.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// Associations served at once. One more is answered with A-ASSOCIATE-RJ (transient, presentation-related,
    /// local limit exceeded) so the sender retries later instead of timing out.
    /// </summary>
    public int MaxConcurrentAssociations { get; set; } = 32;

    /// <summary>An established association silent this long is aborted.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>ARTIM (PS3.8 9.1.5): the wait for A-ASSOCIATE-RQ after connect, and for the close after release or abort.</summary>
    public TimeSpan ArtimTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Largest P-DATA-TF body we receive, announced as our maximum length. It is also the most memory one
    /// association's receive buffer ever holds, whatever length a peer declares.
    /// </summary>
    public int MaxPduLength { get; set; } = 64 * 1024;

    /// <summary>
    /// When not empty, only these calling AE titles may associate. The value restricts the host the title may
    /// come from: "*" or empty for any host, else IP addresses or host names separated by ',' or ';'. A caller
    /// that fails gets A-ASSOCIATE-RJ (permanent, service-user, reason 3) and a log line.
    /// </summary>
    public Dictionary<string, string> AllowedCallingAeTitles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A copy with every setting, delegates included, for a second listener on another port (DICOM over TLS beside
    /// plain DICOM) that must answer exactly as the first.
    /// </summary>
    public DicomListenerOptions Clone()
    {
        var copy = (DicomListenerOptions)MemberwiseClone();
        copy.AllowedCallingAeTitles = new Dictionary<string, string>(AllowedCallingAeTitles, AllowedCallingAeTitles.Comparer);
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
        if (MaxPduLength is < 4096 or > 16 * 1024 * 1024)
            yield return "MaxPduLength must be 4096 to 16777216";
        if (IdleTimeout <= TimeSpan.Zero || ArtimTimeout <= TimeSpan.Zero)
            yield return "IdleTimeout and ArtimTimeout must be positive";
    }
}
