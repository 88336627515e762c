namespace DicomGateway.Web;

/// <summary>The web server for recipients and administrators. Bound from the "Web" section.</summary>
public sealed class WebOptions
{
    public const string Section = "Web";

    /// <summary>Where Kestrel listens, e.g. "http://localhost:8080" or "https://0.0.0.0:443" (';' separates several).</summary>
    public string Urls { get; set; } = "http://localhost:8080";

    // Web:PublicBaseUrl, the address in recipients' links, is read by Shipments (RecipientLinkOptions).

    internal IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Urls)) yield return "Web:Urls must name at least one address";
    }
}
