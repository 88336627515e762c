using System.Buffers.Text;
using DicomGateway.Audit;
using DicomGateway.Hosting;
using DicomGateway.Notifications;
using DicomGateway.Shipments;
using DicomGateway.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DicomGateway.Web;

/// <summary>
/// The recipient's API under /api/recipient. The link token T travels in request bodies, never in a URL the
/// server logs; E never reaches the server at all (it stays in the link's fragment); the proof is derived from E
/// and the SMS code by the client. After unlocking, a session cookie grants the ciphertext blobs, with Range support.
/// </summary>
public static class RecipientEndpoints
{
    public const string CookieName = "dgw-session";
    public const string SecureCookieName = "__Host-dgw-session";

    public sealed record UnlockRequest(string? Token, string? Proof);

    public sealed record TokenRequest(string? Token);

    /// <summary>A ZIP download the viewer is starting: of one series (its UID) or, without one, of the whole study.</summary>
    public sealed record DownloadRequest(string? SeriesInstanceUid, int Files);

    public static IEndpointRouteBuilder MapRecipientApi(this IEndpointRouteBuilder app)
    {
        // Anonymous by design: the link token and the unlock proof are the recipient's credentials, and the session cookie after them.
        var api = app.MapGroup("/api/recipient").AllowAnonymous().ExcludeFromDescription();

        api.MapPost("/unlock", async (UnlockRequest body, HttpContext http, RecipientAccess access, RecipientSessions sessions, CancellationToken ct) =>
        {
            if (!TryDecode(body.Token, 32, out var token) || !TryDecode(body.Proof, 32, out var proof))
                return Results.BadRequest(new { error = "malformed" });
            var result = await access.UnlockAsync(token, proof, http.Connection.RemoteIpAddress?.ToString(), ct).ConfigureAwait(false);
            switch (result)
            {
                case RecipientAccess.Unlocked ok:
                    var id = sessions.Start(ok.ShipmentId, ok.RecipientId);
                    SetCookie(http, id);
                    return Results.Ok(new
                    {
                        reference = ok.Reference,
                        serverShare = Base64Url.EncodeToString(ok.ServerShare),
                        wrappedKey = Base64Url.EncodeToString(ok.WrappedKey),
                        expiresAt = ok.ExpiresAt,
                    });
                case RecipientAccess.WrongCode wrong:
                    return Results.Json(new { error = "wrong-code", attemptsLeft = wrong.AttemptsLeft }, statusCode: StatusCodes.Status403Forbidden);
                default:
                    return Unavailable();
            }
        }).RequireRateLimiting(RateLimitPolicies.Unlock);

        api.MapGet("/blobs/{ordinal:int}", async (int ordinal, HttpContext http, RecipientAccess access, RecipientSessions sessions, BlobStore blobs, CancellationToken ct) =>
        {
            var session = sessions.Find(ReadCookie(http));
            if (session is null) return Results.Json(new { error = "no-session" }, statusCode: StatusCodes.Status401Unauthorized);
            if (ordinal < 0) return Results.NotFound();
            var blob = await access.BlobAsync(session.ShipmentId, ordinal, ct).ConfigureAwait(false);
            if (blob is null) return Results.NotFound();
            var path = blobs.PathOf(blob);
            if (!File.Exists(path)) return Results.NotFound();
            return Results.File(path, "application/octet-stream", enableRangeProcessing: true);
        });

        api.MapPost("/resend-code", async (TokenRequest body, HttpContext http, RecipientAccess access, NotificationOutbox outbox, AuditTrail audit, CancellationToken ct) =>
        {
            if (!TryDecode(body.Token, 32, out var token)) return Results.BadRequest(new { error = "malformed" });
            var recipient = await access.RecipientOfTokenAsync(token, ct).ConfigureAwait(false);
            if (recipient is null) return Unavailable();
            var outcome = await outbox.EnqueueCodeResendAsync(recipient.Value, ct).ConfigureAwait(false);
            await audit.RecordAsync(new AuditEvent
            {
                EventId = AuditEventIds.UserAuthentication,
                Action = AuditAction.Execute,
                Outcome = outcome == CodeResendResult.Queued ? AuditOutcome.Success : AuditOutcome.MinorFailure,
                ActorKind = AuditActorKind.Recipient,
                Actor = "recipient",
                ActorAddress = http.Connection.RemoteIpAddress?.ToString(),
                RecipientId = recipient.Value,
                Detail = new { what = "SMS code requested again", result = outcome.ToString() },
            }, ct).ConfigureAwait(false);
            return outcome switch
            {
                CodeResendResult.Queued => Results.Accepted(),
                CodeResendResult.RateLimited => ResendsUsedUp(http),
                CodeResendResult.NoPhone => Results.Json(new { error = "no-phone" }, statusCode: StatusCodes.Status409Conflict),
                _ => Unavailable(),
            };
        }).RequireRateLimiting(RateLimitPolicies.CodeResend);

        // The ciphertext is decrypted in the browser, so only the viewer knows that a ZIP is being made; it says so
        // here before it starts, and the download is in the audit trail like the opening was.
        api.MapPost("/downloads", async (DownloadRequest body, HttpContext http, RecipientSessions sessions, RecipientAccess access, CancellationToken ct) =>
        {
            var session = sessions.Find(ReadCookie(http));
            if (session is null) return Results.Json(new { error = "no-session" }, statusCode: StatusCodes.Status401Unauthorized);
            if (body.Files is < 0 or > 1_000_000 || body.SeriesInstanceUid is { Length: > 64 }) return Results.BadRequest(new { error = "malformed" });
            await access.RecordDownloadAsync(session.ShipmentId, session.RecipientId, body.SeriesInstanceUid is null ? "study" : "series", body.Files,
                http.Connection.RemoteIpAddress?.ToString(), ct).ConfigureAwait(false);
            return Results.NoContent();
        });

        api.MapPost("/logout", (HttpContext http, RecipientSessions sessions) =>
        {
            sessions.End(ReadCookie(http));
            http.Response.Cookies.Delete(http.Request.IsHttps ? SecureCookieName : CookieName, new CookieOptions { Path = "/", Secure = http.Request.IsHttps });
            return Results.NoContent();
        });
        return app;
    }

    /// <summary>
    /// The recipient's own hourly limit (Sms:MaxResendsPerHour) is reached. It counts the resends of the last hour, so an
    /// hour is the longest wait; Retry-After says so, as the per-address limit's answer does.
    /// </summary>
    private static IResult ResendsUsedUp(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "3600";
        return Results.Json(new { error = "rate-limited", retryAfterSeconds = 3600 }, statusCode: StatusCodes.Status429TooManyRequests);
    }

    /// <summary>Unknown, locked, expired, revoked and used-up shipments are indistinguishable from outside.</summary>
    private static IResult Unavailable() => Results.Json(new { error = "unavailable" }, statusCode: StatusCodes.Status404NotFound);

    private static bool TryDecode(string? value, int length, out byte[] bytes)
    {
        bytes = [];
        if (value is null || value.Length != Base64Url.GetEncodedLength(length)) return false;
        var buffer = new byte[length];
        if (Base64Url.DecodeFromChars(value, buffer, out _, out var written) != System.Buffers.OperationStatus.Done || written != length) return false;
        bytes = buffer;
        return true;
    }

    /// <summary>
    /// Over HTTPS the cookie is "__Host-" prefixed, Secure, HttpOnly, SameSite=Strict, path "/". Over plain HTTP
    /// (a gateway on localhost, tests) browsers refuse Secure and "__Host-" cookies, so it is the same without them.
    /// </summary>
    private static void SetCookie(HttpContext http, string id)
    {
        var secure = http.Request.IsHttps;
        http.Response.Cookies.Append(secure ? SecureCookieName : CookieName, id, new CookieOptions
        {
            HttpOnly = true,
            Secure = secure,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            IsEssential = true,
        });
    }

    private static string? ReadCookie(HttpContext http) =>
        http.Request.Cookies.TryGetValue(http.Request.IsHttps ? SecureCookieName : CookieName, out var v) ? v : null;
}
