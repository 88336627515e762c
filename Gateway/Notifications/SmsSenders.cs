using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using DicomGateway.Storage;
using Microsoft.Extensions.Options;

namespace DicomGateway.Notifications;

/// <summary>The body both SMS providers produce: exactly {"to": E.164, "text": message}.</summary>
internal sealed record SmsJson([property: JsonPropertyName("to")] string To, [property: JsonPropertyName("text")] string Text);

[JsonSerializable(typeof(SmsJson))]
internal sealed partial class SmsJsonContext : JsonSerializerContext;

/// <summary>Sms:Provider = Outbox: each message becomes {deliveryId}.json in Sms:OutboxDirectory.</summary>
internal sealed class OutboxSmsSender(IOptions<SmsOptions> options, StoragePaths paths) : ISmsSender
{
    private readonly string _directory = OutboxFiles.PrepareDirectory(paths.DataDirectory, options.Value.OutboxDirectory);

    public Task SendAsync(SmsMessage message, CancellationToken cancellationToken) =>
        OutboxFiles.WriteAsync(_directory, message.DeliveryId.ToString(CultureInfo.InvariantCulture) + ".json",
            (stream, ct) => JsonSerializer.SerializeAsync(stream, new SmsJson(message.To, message.Text), SmsJsonContext.Default.SmsJson, ct), cancellationToken);
}

/// <summary>
/// Sms:Provider = Webhook: POSTs {"to","text"} to Sms:Webhook:Url with the configured headers. 2xx is sent;
/// 408, 429, 5xx, timeouts and unreachable are retried; any other answer is a permanent failure. The response body
/// is never read into an error (a provider may echo the text, which holds the code).
/// </summary>
internal sealed class WebhookSmsSender(IHttpClientFactory clients, IOptions<SmsOptions> options) : ISmsSender
{
    public const string HttpClientName = "DicomGateway.Sms.Webhook";
    private readonly SmsWebhookOptions _options = options.Value.Webhook;

    public async Task SendAsync(SmsMessage message, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url)
        {
            Content = JsonContent.Create(new SmsJson(message.To, message.Text), SmsJsonContext.Default.SmsJson),
        };
        foreach (var (name, value) in _options.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
        }
        HttpStatusCode status;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            status = response.StatusCode;
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryException($"SMS webhook unreachable ({e.HttpRequestError})", permanent: false, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryException("SMS webhook timed out", permanent: false, e);
        }
        var code = (int)status;
        if (code is >= 200 and < 300) return;
        var transient = code is 408 or 429 or >= 500 or < 400;
        throw new DeliveryException(string.Create(CultureInfo.InvariantCulture, $"SMS webhook answered HTTP {code}"), permanent: !transient);
    }
}
