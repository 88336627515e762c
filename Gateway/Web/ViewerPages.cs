using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DicomGateway.Web;

/// <summary>
/// The recipient's viewer, built from Viewer/ into wwwroot/ beside the executable: its hashed assets as static files,
/// and its one page for "/" (which tells a visitor to open the link from the e-mail) and for "/s/{token}" (the
/// link; the page reads the token from the path and the key from the fragment, which never reaches us).
/// </summary>
public static class ViewerPages
{
    private const string IndexFile = "index.html";

    public static IApplicationBuilder UseViewerStaticFiles(this IApplicationBuilder app) =>
        app.UseStaticFiles(new StaticFileOptions { ServeUnknownFileTypes = false });

    public static IEndpointRouteBuilder MapViewerPages(this IEndpointRouteBuilder app, IWebHostEnvironment environment)
    {
        app.MapGet("/", () => Index(environment)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/s/{token}", (string token) => Index(environment)).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static IResult Index(IWebHostEnvironment environment)
    {
        var file = environment.WebRootFileProvider.GetFileInfo(IndexFile);
        if (!file.Exists || file.PhysicalPath is null)
            return Results.Text("The viewer is not installed: build the gateway without SkipViewerBuild.", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        return Results.File(file.PhysicalPath, "text/html; charset=utf-8");
    }
}
