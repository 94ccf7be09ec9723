using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.ServiceDefaults;

/// <summary>
/// Whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> a service believes: loopback always (the gateway
/// beside the services on one machine), plus the networks in <c>Platform:ForwardedHeaders:KnownNetworks</c>
/// (the ingress controller's for the gateway, the gateway's pods for the backends). Anyone else's are ignored,
/// so a client cannot claim https or another address. Nothing beyond loopback is trusted unless set.
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
