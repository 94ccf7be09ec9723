using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// A resource server authenticating at the introspection endpoint the moment its registration or its secret
/// changed: the projection's read model may not have heard yet, and never holds a rotated-out secret; the
/// writers' client document decides then.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IntrospectionCallerTests(ClusterFixture fixture)
{
    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Introspect_JustRegisteredCaller_IsAuthenticatedAtOnce()
    {
        var token = await Cluster.GetTokenAsync(Cluster.Admin, "platform.admin");

        // No wait between registering and calling: the first introspection may beat the registration's event.
        var api = await Cluster.RegisterClientAsync(new { clientId = $"fresh-api-{Guid.NewGuid():N}", introspection = true, grantTypes = Array.Empty<string>(), scopes = Array.Empty<string>() });

        Assert.Equal(HttpStatusCode.OK, await IntrospectStatusAsync(api, token));
    }

    [Fact]
    public async Task Introspect_PreviousSecretWithinOverlap_IsAcceptedAndAWrongOneIsNot()
    {
        var api = await Cluster.RegisterClientAsync(new { clientId = $"rotating-api-{Guid.NewGuid():N}", introspection = true, grantTypes = Array.Empty<string>(), scopes = Array.Empty<string>() });
        var token = await Cluster.GetTokenAsync(Cluster.Admin, "platform.admin");
        Assert.Equal(HttpStatusCode.OK, await IntrospectStatusAsync(api, token));

        var rotated = await RotateAsync(api.Id, overlapSeconds: 600);

        Assert.Equal(HttpStatusCode.OK, await IntrospectStatusAsync(rotated, token));
        Assert.Equal(HttpStatusCode.OK, await IntrospectStatusAsync(api, token));
        Assert.Equal(HttpStatusCode.Unauthorized, await IntrospectStatusAsync((api.Id, api.Secret + "x"), token));
    }

    [Fact]
    public async Task Introspect_PreviousSecretWithoutOverlap_IsRefused()
    {
        var api = await Cluster.RegisterClientAsync(new { clientId = $"rotated-api-{Guid.NewGuid():N}", introspection = true, grantTypes = Array.Empty<string>(), scopes = Array.Empty<string>() });
        var token = await Cluster.GetTokenAsync(Cluster.Admin, "platform.admin");
        Assert.Equal(HttpStatusCode.OK, await IntrospectStatusAsync(api, token));

        var rotated = await RotateAsync(api.Id, overlapSeconds: 0);

        Assert.Equal(HttpStatusCode.OK, await IntrospectStatusAsync(rotated, token));
        var refused = Environment.TickCount64;
        // The read model drops the old secret once the rotation's event arrives; until then it still matches there.
        while (await IntrospectStatusAsync(api, token) != HttpStatusCode.Unauthorized)
        {
            Assert.True(Environment.TickCount64 - refused < 30_000, "the rotated-out secret still authenticates after 30 s");
            await Task.Delay(100);
        }
    }

    private async Task<(string Id, string Secret)> RotateAsync(string clientId, int overlapSeconds)
    {
        using var http = Cluster.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Cluster.GetTokenAsync(Cluster.Admin, "platform.admin"));
        using var response = await http.PostAsJsonAsync($"admin/clients/{clientId}/secret", new { overlapSeconds });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (clientId, answer.GetProperty("client_secret").GetString()!);
    }

    private async Task<HttpStatusCode> IntrospectStatusAsync((string Id, string Secret) caller, string token)
    {
        using var http = Cluster.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(caller.Id, caller.Secret);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
