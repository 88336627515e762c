using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DicomGateway.Web;

/// <summary>
/// Headers on every response: a strict Content-Security-Policy (scripts only from us, no inline script, no plug-ins,
/// no framing), no Referer (the path of a link of the earlier form carries its token), no caching (responses carry
/// key material and ciphertext), no MIME sniffing, and HSTS when served over HTTPS.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var h = context.Response.Headers;
            h.ContentSecurityPolicy = ContentSecurityPolicy;
            h["Referrer-Policy"] = "no-referrer";
            h.CacheControl = "no-store";
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Cross-Origin-Opener-Policy"] = "same-origin";
            if (context.Request.IsHttps) h.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
            return Task.CompletedTask;
        });
        await next(context).ConfigureAwait(false);
    });
}
