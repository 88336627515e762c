using DicomGateway.Administration;
using DicomGateway.Health;
using DicomGateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DicomGateway.Web;

public static class WebServiceCollectionExtensions
{
    /// <summary>
    /// Registers the recipient web API's services, bound to the "Web" section, and the floor that keeps the
    /// framework's request lines (which carry paths) out of the log (<see cref="RequestLineLogging"/>).
    /// </summary>
    public static IServiceCollection AddGatewayWeb(this IServiceCollection services)
    {
        services.AddValidatedOptions<WebOptions>(WebOptions.Section, o => o.Validate());
        services.AddRequestLineFloor();
        services.AddSingleton<RecipientSessions>();
        services.AddForwardedClients();
        services.AddGatewayRateLimits();
        return services;
    }

    /// <summary>
    /// The middleware and endpoints, in order: the client's address and scheme from a listed proxy's headers first, so
    /// that everything after (cookies' Secure flag, rate limits, the audit trail) sees the original request; static
    /// files need no sign-in and come before authentication; rate limits after authentication; the
    /// recipient API, the health endpoints and the viewer pages are anonymous (they have their own session); everything else under /api is
    /// the administration API (requires <c>AddAdministration</c>).
    /// </summary>
    public static WebApplication UseGatewayWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseForwardedClients();
        app.UseSecurityHeaders();
        app.UseViewerStaticFiles();
        app.UseAdministration();
        app.UseRateLimiter();
        app.MapHealth();
        app.MapRecipientApi();
        app.MapViewerPages(app.Environment);
        app.MapAdministration();
        return app;
    }
}
