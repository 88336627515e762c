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

    /// <summary>The middleware and endpoints, in order.</summary>
    public static WebApplication UseGatewayWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseSecurityHeaders();
        app.UseViewerStaticFiles();
        app.MapRecipientApi();
        app.MapViewerPages(app.Environment);
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
