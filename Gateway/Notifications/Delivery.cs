using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DicomGateway.Crypto;

namespace DicomGateway.Notifications;

/// <summary>The column values of deliveries.channel and deliveries.kind.</summary>
internal static class DeliveryChannel
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string NotifyEmail = "notify-email";
}

internal static class DeliveryKind
{
    public const string Shipment = "shipment";
    public const string CodeResend = "code-resend";
    public const string Opened = "opened";
    public const string ExpiredUnopened = "expired-unopened";

    public static string Of(SenderNoticeKind kind) => kind switch
    {
        SenderNoticeKind.Opened => Opened,
        SenderNoticeKind.ExpiredUnopened => ExpiredUnopened,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>
/// What one message is made from, stored protected in deliveries.payload. Each row holds only what its channel
/// needs: an e-mail row has the link and no code, an SMS row the code and no link.
/// </summary>
internal sealed record DeliveryPayload
{
    public required string To { get; init; }
    public required string Language { get; init; }
    public required string Reference { get; init; }
    public string? Link { get; init; }
    public string? Code { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public DateTimeOffset? OpenedAt { get; init; }
    public int InstanceCount { get; init; }
    public long TotalBytes { get; init; }
    public string? SenderName { get; init; }
    public string? SenderOrganisation { get; init; }

    /// <summary>The values that must never reach a log line, an exception message, last_error or the audit trail.</summary>
    public IEnumerable<string> Secrets()
    {
        if (!string.IsNullOrEmpty(Link))
        {
            yield return Link;
            // The token T and the key share E travel inside the link: scrub each on its own too.
            var hash = Link.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0 && hash + 1 < Link.Length) yield return Link[(hash + 1)..];
            if (RecipientLink.TryParse(Link, out var link))
            {
                yield return Base64Url.EncodeToString(link.Token);
                yield return Base64Url.EncodeToString(link.FragmentKey);
            }
            else
            {
                // Not a link RecipientLink reads: whatever follows the last slash of its path may be a token.
                var path = hash >= 0 ? Link[..hash] : Link;
                var slash = path.LastIndexOf('/');
                if (slash >= 0 && slash + 1 < path.Length) yield return path[(slash + 1)..];
            }
        }
        if (!string.IsNullOrEmpty(Code))
        {
            yield return Code;
            yield return MessageComposer.FormatCode(Code);
        }
    }

    public override string ToString() => $"DeliveryPayload {{ Reference = {Reference} }}";

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, PayloadJson.Default.DeliveryPayload);

    public static DeliveryPayload FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, PayloadJson.Default.DeliveryPayload) ?? throw new JsonException("empty delivery payload");
}

[JsonSerializable(typeof(DeliveryPayload))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class PayloadJson : JsonSerializerContext;

/// <summary>
/// Thrown by a transport with a message that is safe to store and log (status codes, the kind of failure; never
/// the message content). <see cref="Permanent"/>: sending the same message again cannot succeed.
/// </summary>
public sealed class DeliveryException(string message, bool permanent, Exception? inner = null) : Exception(message, inner)
{
    public bool Permanent { get; } = permanent;
}
