using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DicomGateway.Web;

/// <summary>
/// The recipient's viewer, built from Viewer/ into wwwroot/ beside the executable: its hashed assets as static files,
/// and its one page for "/" (which tells a visitor to open the link from the e-mail), for "/s/" (the link: the page
/// reads the token and the key from the fragment, which never reaches us) and for "/s/{token}" (links of the earlier
/// form, with the token in the path, which keep working until their shipments expire). The
/// administration console is a second page of the same build, admin.html, answered for "/admin" and every path under
/// it (the console routes by the path with the History API, so a reload or a bookmark of /admin/rules/3 works).
/// </summary>
public static class ViewerPages
{
    private const string IndexFile = "index.html";
    private const string AdminFile = "admin.html";

    public static IApplicationBuilder UseViewerStaticFiles(this IApplicationBuilder app) =>
        app.UseStaticFiles(new StaticFileOptions { ServeUnknownFileTypes = false });

    public static IEndpointRouteBuilder MapViewerPages(this IEndpointRouteBuilder app, IWebHostEnvironment environment)
    {
        // The pages are public (the console signs in through the API); AllowAnonymous keeps them so under the
        // administration's fallback authorization policy.
        app.MapGet("/", () => Index(environment)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/s/", () => Index(environment)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/s/{token}", (string token) => Index(environment)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/admin", () => Page(environment, AdminFile)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/admin/{**path}", (string? path) => Page(environment, AdminFile)).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static IResult Index(IWebHostEnvironment environment) => Page(environment, IndexFile);

    private static IResult Page(IWebHostEnvironment environment, string name)
    {
        var file = environment.WebRootFileProvider.GetFileInfo(name);
        if (!file.Exists || file.PhysicalPath is null)
            return Results.Text("The viewer is not installed: build the gateway without SkipViewerBuild.", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        return Results.File(file.PhysicalPath, "text/html; charset=utf-8");
    }
}
