using DicomGateway.Hosting;
using System.Text.RegularExpressions;
using DicomGateway.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DicomGateway.Administration;

/// <summary>Accounts and API keys (administrators only). Every change is audited with the acting administrator.</summary>
internal static partial class AccountEndpoints
{
    public sealed record CreateAccountRequest(string? Username, string? DisplayName, List<string>? Roles);

    public sealed record UpdateAccountRequest(string? DisplayName, List<string>? Roles, bool Disabled);

    public sealed record CreateApiKeyRequest(string? Name, string? Role);

    public static void Map(RouteGroupBuilder api)
    {
        var accounts = api.MapGroup("/accounts").WithTags("Accounts").RequireAuthorization(AdminPolicies.Administer);

        accounts.MapGet("/", async (AccountStore store, CancellationToken ct) =>
        {
            var list = await store.ListAsync(ct).ConfigureAwait(false);
            return Results.Ok(list.Select(a => new
            {
                id = a.Id,
                username = a.Username,
                displayName = a.DisplayName,
                roles = a.Roles,
                disabled = a.Disabled,
                mustChangePassword = a.MustChangePassword,
                lockedUntil = a.LockedUntil,
                lastSignInAt = a.LastSignInAt,
                createdAt = a.CreatedAt,
            }));
        }).WithName("ListAccounts").WithSummary("Every account");

        accounts.MapPost("/", async (CreateAccountRequest body, HttpContext http, AccountStore store, PasswordSignIn passwords, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            var username = body.Username?.Trim() ?? "";
            if (!UserName().IsMatch(username)) errors["username"] = ["1 to 64 letters, digits, '.', '_', '-' or '@'."];
            if (body.DisplayName is { Length: > 128 }) errors["displayName"] = ["At most 128 characters."];
            if (!RoleList.AreValid(body.Roles)) errors["roles"] = ["One or more of administrator, operator, auditor."];
            if (errors.Count > 0) return AdminResults.Invalid(errors);
            var oneTime = PasswordSignIn.NewOneTimePassword();
            var displayName = string.IsNullOrWhiteSpace(body.DisplayName) ? username : body.DisplayName.Trim();
            var roles = RoleList.Normalize(body.Roles!);
            var id = await store.CreateAsync(username, displayName, passwords.Hash(oneTime), roles, mustChangePassword: true,
                Change(http, AuditAction.Create, new { what = "account created", username, roles }), ct).ConfigureAwait(false);
            return id is null
                ? AdminResults.Conflict($"The user name '{username}' is taken.")
                : Results.Ok(new { id, oneTimePassword = oneTime });
        }).WithName("CreateAccount").WithSummary("Creates an account with a one-time password (shown once)");

        accounts.MapPut("/{id:long}", async (long id, UpdateAccountRequest body, HttpContext http, AccountStore store, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(body.DisplayName) || body.DisplayName.Length > 128) errors["displayName"] = ["1 to 128 characters."];
            if (!RoleList.AreValid(body.Roles)) errors["roles"] = ["One or more of administrator, operator, auditor."];
            if (errors.Count > 0) return AdminResults.Invalid(errors);
            var roles = RoleList.Normalize(body.Roles!);
            var result = await store.UpdateAsync(id, body.DisplayName!.Trim(), roles, body.Disabled,
                Change(http, AuditAction.Update, new { what = "account changed", accountId = id, roles, disabled = body.Disabled }), ct).ConfigureAwait(false);
            return Answer(result, "The gateway needs at least one enabled administrator.");
        }).WithName("UpdateAccount").WithSummary("Changes an account's display name, roles or disabled state; ends its sessions");

        accounts.MapPost("/{id:long}/reset-password", async (long id, HttpContext http, AccountStore store, PasswordSignIn passwords, CancellationToken ct) =>
        {
            var oneTime = PasswordSignIn.NewOneTimePassword();
            var result = await store.SetPasswordAsync(id, passwords.Hash(oneTime), mustChangePassword: true,
                Change(http, AuditAction.Update, new { what = "password reset", accountId = id }), ct).ConfigureAwait(false);
            return result == AccountChange.Done ? Results.Ok(new { oneTimePassword = oneTime }) : AdminResults.NotFound();
        }).WithName("ResetPassword").WithSummary("Sets a new one-time password (shown once); ends the account's sessions");

        accounts.MapPost("/{id:long}/unlock", async (long id, HttpContext http, AccountStore store, CancellationToken ct) =>
            Answer(await store.UnlockAsync(id, Change(http, AuditAction.Update, new { what = "account unlocked", accountId = id }), ct).ConfigureAwait(false), ""))
            .WithName("UnlockAccount").WithSummary("Ends a lockout after wrong passwords");

        accounts.MapDelete("/{id:long}", async (long id, HttpContext http, AccountStore store, CancellationToken ct) =>
            Answer(await store.DeleteAsync(id, Change(http, AuditAction.Delete, new { what = "account deleted", accountId = id }), ct).ConfigureAwait(false),
                "The last enabled administrator cannot be deleted."))
            .WithName("DeleteAccount").WithSummary("Deletes an account (not the last administrator)");

        var keys = api.MapGroup("/api-keys").WithTags("API keys").RequireAuthorization(AdminPolicies.Administer);

        keys.MapGet("/", async (AccountStore store, CancellationToken ct) =>
        {
            var list = await store.ListApiKeysAsync(ct).ConfigureAwait(false);
            return Results.Ok(list.Select(k => new
            {
                id = k.Id,
                name = k.Name,
                role = k.Role,
                prefix = k.Prefix,
                createdAt = k.CreatedAt,
                createdBy = k.CreatedBy,
                lastUsedAt = k.LastUsedAt,
                revokedAt = k.RevokedAt,
            }));
        }).WithName("ListApiKeys").WithSummary("Every API key (never the key itself)");

        keys.MapPost("/", async (CreateApiKeyRequest body, HttpContext http, AccountStore store, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Trim().Length > 100) errors["name"] = ["1 to 100 characters."];
            if (body.Role is null || !AdminRoles.All.Contains(body.Role, StringComparer.Ordinal)) errors["role"] = ["One of administrator, operator, auditor."];
            if (errors.Count > 0) return AdminResults.Invalid(errors);
            var key = ApiKeys.NewKey();
            var id = await store.CreateApiKeyAsync(body.Name!.Trim(), body.Role!, ApiKeys.ShownPrefix(key), ApiKeys.Hash(key), http.User.Actor(),
                Change(http, AuditAction.Create, null), ct).ConfigureAwait(false);
            return Results.Ok(new { id, key });
        }).WithName("CreateApiKey").WithSummary("Issues an API key for one role; the key is shown once");

        keys.MapDelete("/{id:long}", async (long id, HttpContext http, AccountStore store, CancellationToken ct) =>
            await store.RevokeApiKeyAsync(id, Change(http, AuditAction.Delete, new { what = "API key revoked", id }), ct).ConfigureAwait(false)
                ? Results.NoContent()
                : AdminResults.NotFound())
            .WithName("RevokeApiKey").WithSummary("Revokes an API key at once");
    }

    private static IResult Answer(AccountChange result, string lastAdministratorMessage) => result switch
    {
        AccountChange.Done => Results.NoContent(),
        AccountChange.LastAdministrator => AdminResults.Conflict(lastAdministratorMessage),
        _ => AdminResults.NotFound(),
    };

    private static AuditEvent Change(HttpContext http, AuditAction action, object? detail) => new()
    {
        EventId = AuditEventIds.SecurityAlert,
        EventType = AuditEventTypes.SecurityConfiguration,
        Action = action,
        ActorKind = AuditActorKind.Administrator,
        Actor = http.User.Actor(),
        ActorAddress = http.Address(),
        Detail = detail,
    };

    [GeneratedRegex(@"^[A-Za-z0-9._@-]{1,64}$")]
    private static partial Regex UserName();
}
