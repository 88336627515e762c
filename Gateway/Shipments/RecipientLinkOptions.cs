namespace DicomGateway.Shipments;

/// <summary>Where the links in recipients' e-mails point. Bound from the "Web" section, beside the web server's own settings.</summary>
public sealed class RecipientLinkOptions
{
    public const string Section = "Web";

    /// <summary>
    /// The address recipients reach the gateway at, as it appears in e-mailed links: "&lt;PublicBaseUrl&gt;/s/#&lt;token&gt;.&lt;key&gt;".
    /// Usually the https address of a reverse proxy in front of the gateway.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:8080";

    internal IEnumerable<string> Validate()
    {
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(u.Fragment) || !string.IsNullOrEmpty(u.Query))
            yield return "Web:PublicBaseUrl must be an absolute http or https URL without query or fragment";
    }
}
