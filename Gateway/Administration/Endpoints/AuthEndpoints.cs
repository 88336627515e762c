using DicomGateway.Audit;
using DicomGateway.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace DicomGateway.Administration;

/// <summary>Sign-in, sign-out, who am I, password change and the sign-in providers (docs/admin-api.md, "Sign-in and accounts").</summary>
internal static class AuthEndpoints
{
    public sealed record LoginRequest(string? Username, string? Password);

    public sealed record PasswordRequest(string? CurrentPassword, string? NewPassword);

    public static void Map(RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Sign-in");

        auth.MapPost("/login", async (LoginRequest body, HttpContext http, PasswordSignIn passwords, AdminSessions sessions, CancellationToken ct) =>
        {
            var result = await passwords.SignInAsync(body.Username, body.Password, http.Address(), ct).ConfigureAwait(false);
            if (result is not PasswordSignIn.Success ok)
                return Results.Json(new { error = "invalid-credentials" }, statusCode: StatusCodes.Status401Unauthorized);
            var principal = AdminClaims.ForAccount(ok.Account, AdminAuthentication.CookieScheme).InSession(sessions.Start());
            await http.SignInAsync(AdminAuthentication.CookieScheme, principal, new AuthenticationProperties { IsPersistent = false }).ConfigureAwait(false);
            return Results.Ok(Me(principal));
        }).AllowAnonymous().RequireRateLimiting(RateLimitPolicies.SignIn).WithName("Login").WithSummary("Signs in with a user name and password; sets the session cookie");

        auth.MapPost("/logout", async (HttpContext http, AuditTrail audit, AdminSessions sessions, CancellationToken ct) =>
        {
            if (http.User.MethodOf() != AdminClaims.ApiKeyMethod)
            {
                // Deleting the cookie in this browser is not enough: a copy of it must be refused too.
                sessions.End(http.User.SessionOf());
                await http.SignOutAsync(AdminAuthentication.CookieScheme).ConfigureAwait(false);
                await audit.RecordAsync(new AuditEvent
                {
                    EventId = AuditEventIds.UserAuthentication,
                    EventType = AuditEventTypes.Logout,
                    Action = AuditAction.Execute,
                    ActorKind = AuditActorKind.Administrator,
                    Actor = http.User.Actor(),
                    ActorAddress = http.Address(),
                }, ct).ConfigureAwait(false);
            }
            return Results.NoContent();
        }).RequireAuthorization(AdminPolicies.SignedIn).WithName("Logout").WithSummary("Signs out: ends this session on the server, so no copy of its cookie is accepted again");

        auth.MapGet("/me", (HttpContext http) => Results.Ok(Me(http.User)))
            .RequireAuthorization(AdminPolicies.SignedIn).WithName("Me").WithSummary("The signed-in user, their roles and how they signed in");

        auth.MapPost("/password", async (PasswordRequest body, HttpContext http, PasswordSignIn passwords, AdminSessions sessions, CancellationToken ct) =>
        {
            if (http.User.AccountIdOf() is not { } id)
                return AdminResults.Conflict("Only a local account has a password here; change it at your identity provider.");
            var (result, problem, account) = await passwords.ChangePasswordAsync(id, body.CurrentPassword, body.NewPassword, http.Address(), ct).ConfigureAwait(false);
            switch (result)
            {
                case PasswordSignIn.ChangeResult.WrongPassword:
                    return AdminResults.Invalid("currentPassword", "The current password is wrong.");
                case PasswordSignIn.ChangeResult.Weak:
                    return AdminResults.Invalid("newPassword", problem!);
                case PasswordSignIn.ChangeResult.NotLocal:
                    return AdminResults.Conflict("This account has no local password.");
            }
            // The change gave the account a new security stamp, which ends every other session; this one continues in a
            // new server-side session, so a copy of the cookie from before the change is refused as well.
            sessions.End(http.User.SessionOf());
            await http.SignInAsync(AdminAuthentication.CookieScheme, AdminClaims.ForAccount(account!, AdminAuthentication.CookieScheme).InSession(sessions.Start()),
                new AuthenticationProperties { IsPersistent = false }).ConfigureAwait(false);
            return Results.NoContent();
        }).RequireAuthorization(AdminPolicies.SignedIn).WithName("ChangePassword").WithSummary("Changes the signed-in account's password; ends its other sessions");

        auth.MapGet("/providers", (IOptions<AdministrationOptions> options) =>
                Results.Ok(new { oidc = options.Value.Oidc.Enabled, oidcName = options.Value.Oidc.Enabled ? options.Value.Oidc.DisplayName : null }))
            .AllowAnonymous().WithName("SignInProviders").WithSummary("Whether OpenID Connect sign-in is offered");

        auth.MapGet("/oidc", (IOptions<AdministrationOptions> options) => options.Value.Oidc.Enabled
                ? Results.Challenge(new AuthenticationProperties { RedirectUri = "/admin/" }, [AdminAuthentication.OidcScheme])
                : AdminResults.NotFound())
            .AllowAnonymous().WithName("OidcSignIn").WithSummary("Starts the OpenID Connect sign-in (when configured)");
    }

    private static object Me(System.Security.Claims.ClaimsPrincipal user) => new
    {
        username = user.Actor(),
        displayName = user.FindFirst(AdminClaims.DisplayName)?.Value ?? user.Actor(),
        roles = user.RolesOf(),
        mustChangePassword = user.MustChangePasswordOf(),
        method = user.MethodOf(),
    };
}
