using DicomGateway.Hosting;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DicomGateway.AddressBook;

/// <summary>The admin API of the address book (docs/admin-api.md). Thin: the store validates, writes and audits.</summary>
public sealed class ContactEndpoints(ContactStore contacts) : IAdminEndpoints
{
    public void Map(RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/contacts", async (CancellationToken ct) => Results.Json(await contacts.ListAsync(ct).ConfigureAwait(false), ApiJson.Options))
            .RequireAuthorization(AdminPolicies.View);

        api.MapPost("/contacts", async (HttpContext http, CancellationToken ct) =>
        {
            var (contact, problem) = await ReadAsync(http, ct).ConfigureAwait(false);
            if (contact is null) return problem!;
            try
            {
                return Results.Json(new { id = await contacts.AddAsync(contact, http.User.Actor(), ct).ConfigureAwait(false) });
            }
            catch (ContactValidationException e)
            {
                return AdminResults.Invalid(FieldError.Group(e.Errors));
            }
        }).RequireAuthorization(AdminPolicies.Administer);

        api.MapPut("/contacts/{id:long}", async (long id, HttpContext http, CancellationToken ct) =>
        {
            var (contact, problem) = await ReadAsync(http, ct).ConfigureAwait(false);
            if (contact is null) return problem!;
            try
            {
                return await contacts.UpdateAsync(contact with { Id = id }, http.User.Actor(), ct).ConfigureAwait(false) ? Results.NoContent() : AdminResults.NotFound();
            }
            catch (ContactValidationException e)
            {
                return AdminResults.Invalid(FieldError.Group(e.Errors));
            }
        }).RequireAuthorization(AdminPolicies.Administer);

        api.MapDelete("/contacts/{id:long}", async (long id, HttpContext http, CancellationToken ct) =>
        {
            try
            {
                return await contacts.DeleteAsync(id, http.User.Actor(), ct).ConfigureAwait(false) ? Results.NoContent() : AdminResults.NotFound();
            }
            catch (ContactInUseException e)
            {
                return Results.Json(new { error = "conflict", message = e.Message, rules = e.Rules.Select(r => new { id = r.Id, name = r.Name }) },
                    statusCode: StatusCodes.Status409Conflict);
            }
        }).RequireAuthorization(AdminPolicies.Administer);
    }

    private static async Task<(Contact? Contact, IResult? Problem)> ReadAsync(HttpContext http, CancellationToken ct)
    {
        try
        {
            var contact = await http.Request.ReadFromJsonAsync<Contact>(ApiJson.Options, ct).ConfigureAwait(false);
            return contact is null ? (null, AdminResults.Invalid(new Dictionary<string, string[]> { ["body"] = ["is empty"] })) : (contact, null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, AdminResults.Invalid(new Dictionary<string, string[]> { ["body"] = ["is not a contact in JSON: " + e.Message] }));
        }
    }
}
