using System.Net;
using System.Net.Http.Json;
using Documents.Api.Documents;
using Microsoft.Extensions.DependencyInjection;
using Platform.Testing;
using Xunit;

namespace Platform.ResourceServer.Tests;

/// <summary>
/// When the API cannot ask the authorization server, the token may be fine: the answer is 503 with Retry-After, never
/// 401 (the client would throw a good token away), and the request does not get through.
/// </summary>
[Collection(ResourceServerCollection.Name)]
public sealed class OutageTests(ResourceServerFixture fixture)
{
    [Fact]
    public async Task CreateDocument_WhenIntrospectionIsUnreachable_Answers503WithRetryAfterAndCreatesNothing()
    {
        var nothingListens = new Uri($"http://127.0.0.1:{ServiceProcess.FreePort()}/connect/introspect");
        using var api = fixture.StartApi(new Dictionary<string, string?> { ["ResourceServer:IntrospectionEndpoint"] = nothingListens.AbsoluteUri });
        var token = await fixture.TokenAsync("documents.write");
        using var http = api.CreateClient(token);

        using var response = await http.PostAsJsonAsync("/documents", new { kind = "order", title = "Order during an outage" });

        AssertUnavailable(response);
        Assert.DoesNotContain(api.Services.GetRequiredService<DocumentStore>().List(null), d => d.Title == "Order during an outage");
        Assert.Contains(api.Logs, line => line.Contains($"{nothingListens} could not be reached", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateDocument_WhenIntrospectionAnswers5xx_Answers503WithRetryAfterAndCreatesNothing()
    {
        // A second gateway whose projection upstream is gone: its /connect/introspect answers 502, as a real outage does.
        await using var gateway = fixture.Cluster.StartGateway(ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["Platform__Upstreams__Projection"] = $"http://127.0.0.1:{ServiceProcess.FreePort()}/",
        });
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var api = fixture.StartApi(new Dictionary<string, string?> { ["ResourceServer:IntrospectionEndpoint"] = new Uri(gateway.Address, "connect/introspect").AbsoluteUri });
        var token = await fixture.TokenAsync("documents.write");
        using var http = api.CreateClient(token);

        using var response = await http.PostAsJsonAsync("/documents", new { kind = "order", title = "Order while introspection fails" });

        AssertUnavailable(response);
        Assert.DoesNotContain(api.Services.GetRequiredService<DocumentStore>().List(null), d => d.Title == "Order while introspection fails");
        Assert.Contains(api.Logs, line => line.Contains("connect/introspect answered 502", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListDocuments_WhenTheAuthorizationServerIsUnreachableForDiscovery_Answers503WithRetryAfter()
    {
        var nothingListens = new Uri($"http://127.0.0.1:{ServiceProcess.FreePort()}/");
        using var api = fixture.StartApi(new Dictionary<string, string?> { ["ResourceServer:Authority"] = nothingListens.AbsoluteUri });
        var token = await fixture.TokenAsync("documents.read");
        using var http = api.CreateClient(token);

        using var first = await http.GetAsync("/documents");
        using var second = await http.GetAsync("/documents");

        AssertUnavailable(first);
        AssertUnavailable(second);
        Assert.Contains(api.Logs, line => line.Contains($"{nothingListens}.well-known/openid-configuration could not be reached", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListDocuments_WhenTheApisOwnSecretIsWrong_Answers503NotInvalidToken()
    {
        // The token is fine; the API is misconfigured. Telling the client its token is bad would be a lie.
        using var api = fixture.StartApi(new Dictionary<string, string?> { ["ResourceServer:ClientSecret"] = PlatformCluster.NewSecret() });
        var token = await fixture.TokenAsync("documents.read");
        using var http = api.CreateClient(token);

        using var response = await http.GetAsync("/documents");

        AssertUnavailable(response);
        Assert.Contains(api.Logs, line => line.Contains("refused the API's request with 401", StringComparison.Ordinal));
    }

    private static void AssertUnavailable(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "A 503 says when to retry.");
        Assert.Empty(response.Headers.WwwAuthenticate);
    }
}
