using System.Net;

namespace DicomGateway.Web;

/// <summary>The web server for recipients and administrators. Bound from the "Web" section.</summary>
public sealed class WebOptions
{
    public const string Section = "Web";

    /// <summary>Where Kestrel listens, e.g. "http://localhost:8080" or "https://0.0.0.0:443" (';' separates several).</summary>
    public string Urls { get; set; } = "http://localhost:8080";

    // Web:PublicBaseUrl, the address in recipients' links, is read by Shipments (RecipientLinkOptions).

    /// <summary>
    /// Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed. From any other peer the
    /// headers are ignored: anyone could send them, to hide behind another address or to pass for https.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, e.g. "10.0.0.0/8") whose proxies are believed, as <see cref="KnownProxies"/>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Requests per client address that the guessable endpoints answer before 429.</summary>
    public RateLimitOptions RateLimits { get; set; } = new();

    internal IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Urls)) yield return "Web:Urls must name at least one address";
        foreach (var proxy in KnownProxies)
        {
            if (!IPAddress.TryParse(proxy, out _)) yield return $"Web:KnownProxies: '{proxy}' is not an IP address";
        }
        foreach (var network in KnownNetworks)
        {
            if (!IPNetwork.TryParse(network, out _)) yield return $"Web:KnownNetworks: '{network}' is not a network in CIDR notation (e.g. 10.0.0.0/8)";
        }
        foreach (var problem in RateLimits.Validate()) yield return problem;
    }
}

/// <summary>The limits of <c>Web:RateLimits</c>, one per guessable endpoint.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Unlock attempts (each tries a code); the recipient lock stops a guesser of one link after a few.</summary>
    public RateLimit Unlock { get; set; } = new() { PermitLimit = 10, WindowSeconds = 60 };

    /// <summary>"Send the code again": each costs an SMS; Sms:MaxResendsPerHour also limits it per recipient.</summary>
    public RateLimit CodeResend { get; set; } = new() { PermitLimit = 5, WindowSeconds = 600 };

    /// <summary>Administrator password sign-ins; Administration:MaxFailedSignIns also locks an account.</summary>
    public RateLimit SignIn { get; set; } = new() { PermitLimit = 10, WindowSeconds = 60 };

    internal IEnumerable<string> Validate() =>
        Unlock.Validate("Unlock").Concat(CodeResend.Validate("CodeResend")).Concat(SignIn.Validate("SignIn"));
}

/// <summary><see cref="PermitLimit"/> requests per client address in each window of <see cref="WindowSeconds"/> seconds.</summary>
public sealed class RateLimit
{
    public int PermitLimit { get; set; }

    public int WindowSeconds { get; set; }

    internal IEnumerable<string> Validate(string name)
    {
        if (PermitLimit is < 1 or > 1_000_000) yield return $"Web:RateLimits:{name}:PermitLimit must be from 1 to 1000000";
        if (WindowSeconds is < 1 or > 24 * 3600) yield return $"Web:RateLimits:{name}:WindowSeconds must be from 1 to 86400";
    }
}
