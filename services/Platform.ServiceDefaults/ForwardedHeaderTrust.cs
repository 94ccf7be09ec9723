using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.ServiceDefaults;

/// <summary>
/// Whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> a service believes. A backend: loopback (the gateway
/// beside it on one machine) and the networks in <c>Platform:ForwardedHeaders:KnownNetworks</c> (the gateway's
/// pods). The gateway, the edge: those networks only (the ingress controller's), not loopback, where the clients
/// of a one-machine set-up are. Anyone else's are ignored, so a client cannot claim https or another address.
/// </summary>
public static class ForwardedHeaderTrust
{
    public const string KnownNetworksKey = "Platform:ForwardedHeaders:KnownNetworks";

    private const string WhatItIs =
        "the networks of the proxies in front of this service, as CIDR ranges separated by commas (for example 10.244.0.0/16,192.168.0.10/32), or nothing";

    public static WebApplicationBuilder AddForwardedHeaderTrust(this WebApplicationBuilder builder)
    {
        var networks = ReadKnownNetworks(builder.Configuration);
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(network);
            }
        });
        return builder;
    }

    /// <summary>
    /// The gateway's forwarded headers: from the configured networks only; none read when none is configured
    /// (ASP.NET Core believes everyone when its lists are empty, so they never are).
    /// </summary>
    public static WebApplication UseForwardedHeadersFromKnownNetworksOnly(this WebApplication app)
    {
        var networks = ReadKnownNetworks(app.Configuration);
        if (networks.Count == 0)
        {
            return app;
        }

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The obsolete list still holds loopback by default, and the middleware still reads it.
        options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
        foreach (var network in networks)
        {
            options.KnownIPNetworks.Add(network);
        }

        app.UseForwardedHeaders(options);
        return app;
    }

    /// <summary>The configured networks; a malformed entry stops the service with one sentence.</summary>
    public static IReadOnlyList<System.Net.IPNetwork> ReadKnownNetworks(IConfiguration configuration)
    {
        var value = configuration[KnownNetworksKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return [];
        }

        var networks = new List<System.Net.IPNetwork>();
        foreach (var entry in value.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (System.Net.IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8));
            }
            else
            {
                throw new MissingSettingException(KnownNetworksKey, WhatItIs, $"'{entry}' is not a CIDR range or an address");
            }
        }

        return networks;
    }
}
