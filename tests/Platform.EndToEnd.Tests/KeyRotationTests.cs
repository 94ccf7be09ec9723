using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Keys rotate while the services run: the next signing key appears in the JWKS before it is used, and
/// tokens protected with either key keep working across the switch, without a restart.
/// </summary>
public sealed class KeyRotationTests
{
    private static readonly TimeSpan PublishAhead = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Rotation_WhileRunning_PublishesNextKeyFirstAndTokensKeepWorking()
    {
        await using var cluster = await PlatformCluster.StartAsync("rotation", settings: new Dictionary<string, string?>
        {
            ["Platform__Keys__RotationInterval"] = "00:00:15",
            ["Platform__Keys__PublishAhead"] = PublishAhead.ToString(),
            ["Platform__Keys__RetainAfterRotation"] = "00:10:00",
            ["Platform__Keys__CheckInterval"] = "00:00:00.250",
        });
        using var http = cluster.CreateClient();
        var before = await cluster.GetTokenAsync(cluster.Admin, "platform.admin");
        var firstKeys = await KeyIdsAsync(http);

        var published = Stopwatch.StartNew();
        while ((await KeyIdsAsync(http)).Count < firstKeys.Count + 1)
        {
            Assert.True(published.Elapsed < TimeSpan.FromSeconds(40), "no next key was published");
            await Task.Delay(100);
        }

        // Across the switch to the new key (PublishAhead after it was published), every token is accepted.
        var window = Stopwatch.StartNew();
        while (window.Elapsed < PublishAhead + TimeSpan.FromSeconds(4))
        {
            var token = await cluster.GetTokenAsync(cluster.Admin, "platform.admin");
            Assert.Equal(HttpStatusCode.BadRequest, await AdminCallAsync(http, token));
            await Task.Delay(250);
        }

        Assert.Equal(HttpStatusCode.BadRequest, await AdminCallAsync(http, before));
        Assert.True((await cluster.IntrospectAsync(before)).GetProperty("active").GetBoolean());
        Assert.Superset(firstKeys.ToHashSet(), (await KeyIdsAsync(http)).ToHashSet());
    }

    private static async Task<List<string>> KeyIdsAsync(HttpClient http)
    {
        var jwks = JsonDocument.Parse(await http.GetStringAsync(".well-known/jwks")).RootElement;
        return jwks.GetProperty("keys").EnumerateArray().Select(key => key.GetProperty("kid").GetString()!).ToList();
    }

    /// <summary>An invalid registration: 400 once the bearer token is accepted, 401 if it is not.</summary>
    private static async Task<HttpStatusCode> AdminCallAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "admin/clients")
        {
            Content = new StringContent("""{"clientId":"x"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
