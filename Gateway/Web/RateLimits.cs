using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using DicomGateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Web;

/// <summary>
/// Per-client-address limits on the endpoints where something is guessed or paid for (<see cref="RateLimitPolicies"/>),
/// with the framework's rate limiter: a fixed window per address, no queue. Over the limit the answer is 429 with
/// Retry-After (seconds until the window ends). The address is the one after <see cref="ForwardedClients"/>, so
/// behind a listed proxy each client has its own window. An IPv6 client is counted by its /64, the smallest block a
/// single subscriber is usually given, so changing the low bits does not buy a new window.
/// </summary>
internal static partial class RateLimits
{
    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<WebOptions>, ILoggerFactory>((o, web, logs) =>
        {
            var limits = web.Value.RateLimits;
            var logger = logs.CreateLogger(typeof(RateLimits).FullName!);
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(RateLimitPolicies.Unlock, http => PerAddress(http, RateLimitPolicies.Unlock, limits.Unlock));
            o.AddPolicy(RateLimitPolicies.CodeResend, http => PerAddress(http, RateLimitPolicies.CodeResend, limits.CodeResend));
            o.AddPolicy(RateLimitPolicies.SignIn, http => PerAddress(http, RateLimitPolicies.SignIn, limits.SignIn));
            o.OnRejected = (context, ct) => RejectAsync(context, logger, ct);
        });
        return services;
    }

    /// <summary>The partition of a client: its address (an IPv6 one by its /64), or "unknown" when the server has none.</summary>
    internal static string PartitionOf(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    private static RateLimitPartition<string> PerAddress(HttpContext http, string policy, RateLimit limit) =>
        RateLimitPartition.GetFixedWindowLimiter(policy + "|" + PartitionOf(http.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = TimeSpan.FromSeconds(limit.WindowSeconds),
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    private static async ValueTask RejectAsync(OnRejectedContext context, ILogger logger, CancellationToken ct)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        LogRejected(logger, PartitionOf(http.Connection.RemoteIpAddress), seconds);
        await http.Response.WriteAsJsonAsync(new { error = "rate-limited", retryAfterSeconds = seconds }, ct).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 9601, Level = LogLevel.Debug, Message = "A request from {Client} was over its rate limit; retry after {Seconds} s")]
    private static partial void LogRejected(ILogger logger, string client, int seconds);
}
