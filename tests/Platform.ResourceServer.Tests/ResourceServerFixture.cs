using Microsoft.Extensions.Time.Testing;
using Platform.Testing;
using Xunit;

namespace Platform.ResourceServer.Tests;

/// <summary>
/// One running Platform (real processes) with the documents API registered as a client through <c>/admin/clients</c>,
/// as its operator would, and a shop client allowed both document scopes. Access tokens live 15 seconds, so that
/// a test can watch one expire.
/// </summary>
public sealed class ResourceServerFixture : IAsyncLifetime
{
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromSeconds(15);

    public PlatformCluster Cluster { get; private set; } = null!;

    /// <summary>The documents API's own client: no grant types, only the introspection permission.</summary>
    public (string Id, string Secret) DocumentsApi { get; private set; }

    /// <summary>A shop backend allowed documents.read and documents.write (client credentials).</summary>
    public (string Id, string Secret) Shop { get; private set; }

    public async Task InitializeAsync()
    {
        Cluster = await PlatformCluster.StartAsync("resourceserver", settings: new Dictionary<string, string?>
        {
            ["Platform__Tokens__AccessTokenLifetime"] = AccessTokenLifetime.ToString(),
        });
        DocumentsApi = await Cluster.RegisterClientAsync(new
        {
            clientId = PlatformCluster.DocumentsApiId, displayName = "Documents API", grantTypes = Array.Empty<string>(), introspection = true,
        });
        Shop = await Cluster.RegisterClientAsync(new
        {
            clientId = $"shop-{Guid.NewGuid():N}", displayName = "Shop backend", scopes = new[] { "documents.read", "documents.write" },
        });
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>The documents API in process, pointed at this Platform with the API's credentials; <paramref name="settings"/> adjust them.</summary>
    public DocumentsApiHost StartApi(IReadOnlyDictionary<string, string?>? settings = null, FakeTimeProvider? clock = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ResourceServer:Authority"] = Cluster.Issuer.AbsoluteUri,
            ["ResourceServer:ClientId"] = DocumentsApi.Id,
            ["ResourceServer:ClientSecret"] = DocumentsApi.Secret,
            // The tests share two cores with a whole Platform: a slow answer is not the outage the 503 is for.
            ["ResourceServer:IntrospectionTimeout"] = "00:00:30",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new DocumentsApiHost(all, clock);
    }

    public Task<string> TokenAsync(string scope) => Cluster.GetTokenAsync(Shop, scope);

    /// <summary>Revokes a token as the shop would (RFC 7009) and waits until Platform's introspection says it is inactive.</summary>
    public async Task RevokeAsync(string token)
    {
        using var http = Cluster.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["token_type_hint"] = "access_token" }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(Shop.Id, Shop.Secret);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await Cluster.WaitForActiveAsync(token, active: false);
    }
}

[CollectionDefinition(Name)]
public sealed class ResourceServerCollection : ICollectionFixture<ResourceServerFixture>
{
    public const string Name = "resource-server";
}
