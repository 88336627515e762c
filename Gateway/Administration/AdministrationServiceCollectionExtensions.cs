using DicomGateway.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.OpenApi;

namespace DicomGateway.Administration;

public static class AdministrationServiceCollectionExtensions
{
    /// <summary>
    /// Accounts, API keys, authentication (cookie, API key, optional OpenID Connect), the authorization policies of
    /// <see cref="AdminPolicies"/> and the OpenAPI document. Bound to the "Administration" section. Requires the
    /// database, the audit trail, the crypto keyring, shipments and notifications.
    /// </summary>
    public static IServiceCollection AddAdministration(this IServiceCollection services)
    {
        services.AddValidatedOptions<AdministrationOptions>(AdministrationOptions.Section, o => o.Validate());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SessionStamps>();
        services.AddSingleton<AdminSessions>();
        services.AddSingleton<AccountStore>();
        // PBKDF2-HMAC-SHA512 (the hasher's format V3) at the iterations OWASP asks for it; a hash with fewer is
        // verified, then replaced at the next successful sign-in (PasswordSignIn).
        services.Configure<PasswordHasherOptions>(o =>
        {
            o.CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3;
            o.IterationCount = PasswordHashing.Iterations;
        });
        services.AddSingleton<IPasswordHasher<Account>, PasswordHasher<Account>>();
        services.AddSingleton<PasswordSignIn>();
        services.AddHostedService<InitialAdministrator>();
        services.AddSingleton<NotificationResend>();
        services.AddSingleton<DisclosureReport>();

        // Session cookies are protected by keys that live in memory only: nothing that could forge a session is ever
        // written to disk, and a restart signs everyone out (sessions are short anyway).
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAdminAuthentication();

        services.AddSingleton<IAuthorizationHandler, SignedInWhenRoutedRequirement>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, JsonAuthorizationResultHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicies.View, p => p.RequireAuthenticatedUser().RequireRole(AdminRoles.Administrator, AdminRoles.Operator))
            .AddPolicy(AdminPolicies.Resend, p => p.RequireAuthenticatedUser().RequireRole(AdminRoles.Administrator, AdminRoles.Operator))
            .AddPolicy(AdminPolicies.Administer, p => p.RequireAuthenticatedUser().RequireRole(AdminRoles.Administrator))
            .AddPolicy(AdminPolicies.Audit, p => p.RequireAuthenticatedUser().RequireRole(AdminRoles.Administrator, AdminRoles.Auditor))
            .AddPolicy(AdminPolicies.SignedIn, p => p.RequireAuthenticatedUser().RequireRole(AdminRoles.All))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().AddRequirements(new SignedInWhenRoutedRequirement()).Build());

        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "DicomGateway administration API",
                Version = "v1",
                Description = "Everything the administration pages do. Sign in with the cookie (POST /api/auth/login) or an API key (Authorization: Bearer dgw_...). See docs/admin-api.md.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["cookie"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = AdminAuthentication.SecureCookieName,
                Description = "The session cookie set by POST /api/auth/login (named dgw-admin over plain HTTP). Changes need the header X-Requested-With: DicomGateway.",
            };
            document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key issued by an administrator: Authorization: Bearer dgw_...",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("cookie", document)] = [] });
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] });
            return Task.CompletedTask;
        }).AddOperationTransformer((operation, context, _) =>
        {
            // Each operation says who may call it: anonymous ones need no security scheme, the others name their policy.
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security = [];
                operation.Description = "Anonymous.";
                return Task.CompletedTask;
            }
            var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct().ToList();
            if (policies.Count > 1) policies.Remove(AdminPolicies.SignedIn);
            operation.Description = "Policy: " + (policies.Count > 0 ? string.Join(", ", policies) : "signed in (fallback)") + ".";
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary>Authentication, then the administration checks (CSRF header, forced password change), then authorization. After static files, before endpoints.</summary>
    public static IApplicationBuilder UseAdministration(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseMiddleware<AdminRequestGuard>();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// The <c>/api</c> group (sign-in required unless an endpoint says otherwise) with this module's endpoints and every
    /// <see cref="IAdminEndpoints"/> registered by other features, and the OpenAPI document at <c>/openapi/v1.json</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapAdministration(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        var api = app.MapGroup("/api").RequireAuthorization(AdminPolicies.SignedIn);
        AuthEndpoints.Map(api);
        AccountEndpoints.Map(api);
        ShipmentEndpoints.Map(api);
        AuditEndpoints.Map(api);
        ReportEndpoints.Map(api);
        foreach (var endpoints in app.ServiceProvider.GetServices<IAdminEndpoints>()) endpoints.Map(api);
        return app;
    }
}
