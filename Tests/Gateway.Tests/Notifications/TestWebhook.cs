using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Notifications;

/// <summary>A real HTTP endpoint (Kestrel on 127.0.0.1) standing in for an SMS provider: records requests, answers as scripted.</summary>
internal sealed class TestWebhook : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _count;

    private TestWebhook(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Body, string? ContentType, Dictionary<string, string> Headers)> Requests { get; } = new();

    public string Url => _app.Urls.First() + "/sms";

    /// <param name="status">HTTP status for the n-th request (1-based).</param>
    public static async Task<TestWebhook> StartAsync(Func<int, int> status)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var webhook = new TestWebhook(app);
        app.MapPost("/sms", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            webhook.Requests.Enqueue((body, context.Request.ContentType, headers));
            context.Response.StatusCode = status(Interlocked.Increment(ref webhook._count));
        });
        await app.StartAsync();
        return webhook;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
