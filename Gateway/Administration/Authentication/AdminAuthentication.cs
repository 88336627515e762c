using System.Security.Claims;
using DicomGateway.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace DicomGateway.Administration;

/// <summary>
/// How an administration request is authenticated: an API key when it carries <c>Authorization: Bearer</c>, else the
/// sign-in cookie (set by the password sign-in or by OpenID Connect). The API never redirects: 401 and 403 are JSON.
/// </summary>
public static class AdminAuthentication
{
    public const string Scheme = "dgw";
    public const string CookieScheme = "dgw-cookie";
    public const string ApiKeyScheme = "dgw-api-key";
    public const string OidcScheme = "dgw-oidc";

    public const string CookieName = "dgw-admin";
    public const string SecureCookieName = "__Host-dgw-admin";

    /// <summary>The header a cookie-authenticated change must carry (a cross-site form cannot set it).</summary>
    public const string CsrfHeader = "X-Requested-With";
    public const string CsrfHeaderValue = "DicomGateway";

    public const string OidcCallbackPath = "/api/auth/oidc/callback";

    internal static bool TryReadBearer(HttpRequest request, out string token)
    {
        token = "";
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        token = header["Bearer ".Length..].Trim();
        return token.Length > 0;
    }

    internal static void AddAdminAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Cookie or API key", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(HeaderNames.Authorization) ? ApiKeyScheme : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, null)
            .AddCookie(CookieScheme, ConfigureCookie);
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<IOptions<AdministrationOptions>>((o, admin) =>
        {
            o.ExpireTimeSpan = TimeSpan.FromMinutes(admin.Value.SessionMinutes);
        });

        // OpenID Connect exists as a scheme only when Administration:Oidc:Authority is set: a remote handler takes part
        // in every request (it watches for its callback path), so an unconfigured one must not be there at all.
        services.AddOptions<AuthenticationOptions>().Configure<IOptions<AdministrationOptions>>((auth, admin) =>
        {
            if (admin.Value.Oidc.Enabled) auth.AddScheme<OpenIdConnectHandler>(OidcScheme, admin.Value.Oidc.DisplayName);
        });
        services.AddOptions<OpenIdConnectOptions>(OidcScheme).Configure<IOptions<AdministrationOptions>>((o, admin) => ConfigureOidc(o, admin.Value.Oidc));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<OpenIdConnectOptions>, OpenIdConnectPostConfigureOptions>());
    }

    private static void ConfigureCookie(CookieAuthenticationOptions o)
    {
        o.Cookie.Name = CookieName;
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
        o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        o.Cookie.Path = "/";
        o.Cookie.IsEssential = true;
        o.SlidingExpiration = true;
        o.CookieManager = new HostPrefixedCookieManager();
        o.Events.OnRedirectToLogin = context => Refuse(context.Response, StatusCodes.Status401Unauthorized, "unauthenticated");
        o.Events.OnRedirectToAccessDenied = context => Refuse(context.Response, StatusCodes.Status403Forbidden, "forbidden");
        o.Events.OnValidatePrincipal = ValidateStampAsync;
    }

    /// <summary>
    /// A cookie is accepted only while its server-side session is alive (<see cref="AdminSessions"/>: sign-out ends it).
    /// A session of a local account lives only while the account's security stamp is the one it signed in with and the
    /// account is enabled: a password change, a reset, a role change or disabling ends every other session.
    /// </summary>
    private static async Task ValidateStampAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        if (!context.HttpContext.RequestServices.GetRequiredService<AdminSessions>().Touch(principal?.SessionOf()))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme).ConfigureAwait(false);
            return;
        }
        if (principal?.AccountIdOf() is not { } id) return; // OpenID Connect users have no local account
        var stamps = context.HttpContext.RequestServices.GetRequiredService<SessionStamps>();
        var accounts = context.HttpContext.RequestServices.GetRequiredService<AccountStore>();
        var current = await stamps.GetAsync(id, accounts.StampAsync, context.HttpContext.RequestAborted).ConfigureAwait(false);
        if (current is null || current.Disabled || current.Stamp != principal.FindFirst(AdminClaims.SecurityStamp)?.Value)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme).ConfigureAwait(false);
        }
    }

    private static void ConfigureOidc(OpenIdConnectOptions o, OidcOptions oidc)
    {
        o.Authority = oidc.Authority;
        o.ClientId = oidc.ClientId;
        o.ClientSecret = oidc.ClientSecret;
        o.ResponseType = "code";
        o.UsePkce = true;
        o.SaveTokens = false;
        o.GetClaimsFromUserInfoEndpoint = true;
        o.MapInboundClaims = false;
        o.CallbackPath = OidcCallbackPath;
        o.SignInScheme = CookieScheme;
        o.Scope.Clear();
        o.Scope.Add("openid");
        o.Scope.Add("profile");
        o.Events.OnTokenValidated = context =>
        {
            var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<AdministrationOptions>>().Value.Oidc;
            var external = context.Principal ?? new ClaimsPrincipal();
            var name = external.FindFirst(options.UserNameClaim)?.Value ?? external.FindFirst("sub")?.Value ?? "oidc-user";
            var roles = OidcRoleMapping.RolesOf(external, options);
            return OnOidcSignInAsync(context, name, external.FindFirst("name")?.Value ?? name, roles);
        };
        o.Events.OnRemoteFailure = context =>
        {
            context.Response.Redirect("/admin/?signin=refused");
            context.HandleResponse();
            return Task.CompletedTask;
        };
    }

    private static async Task OnOidcSignInAsync(Microsoft.AspNetCore.Authentication.OpenIdConnect.TokenValidatedContext context, string name, string displayName,
        IReadOnlyList<string> roles)
    {
        var audit = context.HttpContext.RequestServices.GetRequiredService<AuditTrail>();
        await audit.RecordAsync(new AuditEvent
        {
            EventId = AuditEventIds.UserAuthentication,
            EventType = AuditEventTypes.Login,
            Action = AuditAction.Execute,
            Outcome = roles.Count > 0 ? AuditOutcome.Success : AuditOutcome.MinorFailure,
            ActorKind = AuditActorKind.Administrator,
            Actor = name,
            ActorAddress = context.HttpContext.Connection.RemoteIpAddress?.ToString(),
            Detail = roles.Count > 0 ? new { method = AdminClaims.OidcMethod, roles } : new { method = AdminClaims.OidcMethod, result = "no-role" },
        }, context.HttpContext.RequestAborted).ConfigureAwait(false);
        if (roles.Count == 0)
        {
            context.Fail("The identity provider's user has no role at this gateway.");
            return;
        }
        context.Principal = AdminClaims.ForOidcUser(name, displayName, roles, CookieScheme)
            .InSession(context.HttpContext.RequestServices.GetRequiredService<AdminSessions>().Start());
    }

    internal static Task Refuse(HttpResponse response, int status, string error)
    {
        response.StatusCode = status;
        return response.WriteAsJsonAsync(new { error });
    }

    /// <summary>
    /// The sign-in cookie is "__Host-dgw-admin" over HTTPS (Secure, path "/", no domain: it cannot be set or read by
    /// a sibling host) and "dgw-admin" over plain HTTP, where browsers refuse the prefix.
    /// </summary>
    private sealed class HostPrefixedCookieManager : ICookieManager
    {
        private readonly ChunkingCookieManager _inner = new();

        public string? GetRequestCookie(HttpContext context, string key) => _inner.GetRequestCookie(context, NameFor(context, key));

        public void AppendResponseCookie(HttpContext context, string key, string? value, CookieOptions options) =>
            _inner.AppendResponseCookie(context, NameFor(context, key), value, options);

        public void DeleteCookie(HttpContext context, string key, CookieOptions options) => _inner.DeleteCookie(context, NameFor(context, key), options);

        private static string NameFor(HttpContext context, string key) =>
            key == CookieName && context.Request.IsHttps ? SecureCookieName : key;
    }
}

/// <summary>
/// The fallback policy: an endpoint that names no policy still needs a signed-in user with a role. A request that
/// matched no endpoint passes, so that an unknown path is a 404 rather than a 401.
/// </summary>
internal sealed class SignedInWhenRoutedRequirement : AuthorizationHandler<SignedInWhenRoutedRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SignedInWhenRoutedRequirement requirement)
    {
        var routed = context.Resource is not HttpContext http || http.GetEndpoint() is not null;
        var signedIn = context.User.Identity?.IsAuthenticated == true && context.User.RolesOf().Count > 0;
        if (!routed || signedIn) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

/// <summary>401 and 403 as JSON, never a redirect to a sign-in page.</summary>
internal sealed class JsonAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Challenged) return AdminAuthentication.Refuse(context.Response, StatusCodes.Status401Unauthorized, "unauthenticated");
        if (authorizeResult.Forbidden) return AdminAuthentication.Refuse(context.Response, StatusCodes.Status403Forbidden, "forbidden");
        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
