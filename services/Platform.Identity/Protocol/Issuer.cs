using Microsoft.AspNetCore.Builder;
using Platform.ServiceDefaults;

namespace Platform.Identity.Protocol;

/// <summary>The one public issuer URL every service shares (the gateway's address as clients see it).</summary>
public static class Issuer
{
    public const string Key = "Platform:Issuer";

    public static Uri Read(WebApplicationBuilder builder)
    {
        var issuer = builder.Configuration.RequireAbsoluteUri(Key, "the public issuer URL clients use, the gateway's address (for example http://localhost:5000/)");
        if (issuer.Scheme == Uri.UriSchemeHttp && !issuer.IsLoopback)
        {
            throw new MissingSettingException(Key, "an https URL", $"'{issuer}' is plain http on a non-loopback host, which RFC 9700 forbids");
        }

        // A trailing slash makes relative endpoint paths resolve under the issuer's path, not beside it.
        return issuer.AbsoluteUri.EndsWith('/') ? issuer : new Uri(issuer.AbsoluteUri + "/");
    }
}
