using Microsoft.AspNetCore.Http;

namespace DicomGateway.Administration;

/// <summary>
/// Two checks between authentication and authorization, for the administration API (<c>/api</c>, not the recipient's
/// <c>/api/recipient</c>):
/// <list type="bullet">
/// <item>CSRF defence in depth (the cookie is already SameSite=Strict): a change (POST, PUT, PATCH, DELETE) that
/// is not authenticated by an API key must carry <c>X-Requested-With: DicomGateway</c>, which a cross-site form
/// cannot send; 400 otherwise. The sign-in itself is held to the same rule (login CSRF).</item>
/// <item>An account that must change its password may only see who it is, change the password and sign out
/// (403 <c>{"error":"password-change-required"}</c> elsewhere).</item>
/// </list>
/// </summary>
public sealed class AdminRequestGuard(RequestDelegate next)
{
    private static readonly string[] AllowedBeforePasswordChange = ["/api/auth/me", "/api/auth/password", "/api/auth/logout"];

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api") || path.StartsWithSegments("/api/recipient")) return next(context);

        var user = context.User;
        var signedIn = user.Identity?.IsAuthenticated == true;
        var byApiKey = signedIn && user.MethodOf() == AdminClaims.ApiKeyMethod;
        if (IsChange(context.Request.Method) && !byApiKey && (signedIn || path.StartsWithSegments("/api/auth/login")) &&
            !string.Equals(context.Request.Headers[AdminAuthentication.CsrfHeader].ToString(), AdminAuthentication.CsrfHeaderValue, StringComparison.Ordinal))
        {
            return Answer(context, StatusCodes.Status400BadRequest, new
            {
                error = "csrf",
                message = $"Requests that change something must carry the header {AdminAuthentication.CsrfHeader}: {AdminAuthentication.CsrfHeaderValue}.",
            });
        }

        if (signedIn && user.MustChangePasswordOf() && !AllowedBeforePasswordChange.Any(p => path.Equals(p, StringComparison.OrdinalIgnoreCase)))
            return Answer(context, StatusCodes.Status403Forbidden, new { error = "password-change-required" });
        return next(context);
    }

    private static bool IsChange(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsPatch(method);

    private static Task Answer(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body);
    }
}
