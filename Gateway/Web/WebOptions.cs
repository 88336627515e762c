namespace DicomGateway.Web;

/// <summary>The web server for recipients and administrators. Bound from the "Web" section.</summary>
public sealed class WebOptions
{
    public const string Section = "Web";

    /// <summary>Where Kestrel listens, e.g. "http://localhost:8080" or "https://0.0.0.0:443" (';' separates several).</summary>
    public string Urls { get; set; } = "http://localhost:8080";

    /// <summary>
    /// The address recipients reach the gateway at, as it appears in e-mailed links: "&lt;PublicBaseUrl&gt;/s/&lt;token&gt;#&lt;key&gt;".
    /// Usually the https address of a reverse proxy in front of the gateway.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:8080";

    internal IEnumerable<string> Validate()
    {
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(u.Fragment) || !string.IsNullOrEmpty(u.Query))
            yield return "Web:PublicBaseUrl must be an absolute http or https URL without query or fragment";
        if (string.IsNullOrWhiteSpace(Urls)) yield return "Web:Urls must name at least one address";
    }
}
