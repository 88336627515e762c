using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DicomGateway.Web;

/// <summary>
/// The client's address and scheme behind a reverse proxy. X-Forwarded-For and X-Forwarded-Proto are applied only
/// when the peer is listed in Web:KnownProxies or Web:KnownNetworks; nothing is believed by default, not even from
/// loopback (the framework's own default), because a gateway without a proxy would otherwise let any local process
/// choose the address that rate limits and the audit trail see. A chain of listed proxies is walked from the nearest
/// one; the first address that is not a listed proxy is the client. A value that is not an address or a scheme stops
/// the walk, and the request keeps what the last believed hop gave.
/// </summary>
internal static class ForwardedClients
{
    public static IServiceCollection AddForwardedClients(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<WebOptions>>((o, web) => Configure(o, web.Value));
        return services;
    }

    public static IApplicationBuilder UseForwardedClients(this IApplicationBuilder app) => app.UseForwardedHeaders();

    internal static void Configure(ForwardedHeadersOptions o, WebOptions web)
    {
        o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        o.KnownProxies.Clear();
        o.KnownIPNetworks.Clear();
        foreach (var proxy in web.KnownProxies) o.KnownProxies.Add(IPAddress.Parse(proxy));
        foreach (var network in web.KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        // Every listed hop may be walked; an unlisted one ends the walk whatever the limit.
        o.ForwardLimit = null;
    }
}
