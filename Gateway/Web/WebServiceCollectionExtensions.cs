using DicomGateway.Administration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DicomGateway.Web;

public static class WebServiceCollectionExtensions
{
    /// <summary>Registers the recipient web API's services, bound to the "Web" section.</summary>
    public static IServiceCollection AddGatewayWeb(this IServiceCollection services)
    {
        services.AddOptions<WebOptions>().BindConfiguration(WebOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebOptions>, Validator>();
        services.AddSingleton<RecipientSessions>();
        return services;
    }

    /// <summary>
    /// The middleware and endpoints, in order: static files need no sign-in and come before authentication; the
    /// recipient API and the viewer pages are anonymous (they have their own session); everything else under /api is
    /// the administration API (requires <c>AddAdministration</c>).
    /// </summary>
    public static WebApplication UseGatewayWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseSecurityHeaders();
        app.UseViewerStaticFiles();
        app.UseAdministration();
        app.MapRecipientApi();
        app.MapViewerPages(app.Environment);
        app.MapAdministration();
        return app;
    }

    private sealed class Validator : IValidateOptions<WebOptions>
    {
        public ValidateOptionsResult Validate(string? name, WebOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
