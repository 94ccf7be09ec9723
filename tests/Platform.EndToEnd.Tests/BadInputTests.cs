using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// What a client gets wrong, it gets told in the RFC's words: an <c>error</c> code a standard OAuth
/// library understands, the right status, and never a 500.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(ClusterFixture fixture)
{
    private PlatformCluster Cluster => fixture.Cluster;

    public static TheoryData<string, string, HttpStatusCode, string> TokenCases => new()
    {
        { "missing grant_type", "scope=api", HttpStatusCode.BadRequest, "invalid_request" },
        { "unsupported grant type", "grant_type=password&username=a&password=b", HttpStatusCode.BadRequest, "unsupported_grant_type" },
        { "unknown grant type", "grant_type=urn:example:nothing", HttpStatusCode.BadRequest, "unsupported_grant_type" },
        { "repeated parameter", "grant_type=client_credentials&grant_type=client_credentials", HttpStatusCode.BadRequest, "invalid_request" },
        { "unknown scope", "grant_type=client_credentials&scope=no-such-scope", HttpStatusCode.BadRequest, "invalid_scope" },
    };

    [Theory]
    [MemberData(nameof(TokenCases))]
    public async Task TokenEndpoint_BadRequest_AnswersRfcError(string @case, string form, HttpStatusCode status, string error)
    {
        _ = @case;
        using var response = await PostAsync("connect/token", form, Cluster.Admin);
        await AssertOAuthErrorAsync(response, status, error);
    }

    [Fact]
    public async Task TokenEndpoint_UnknownClient_AnswersInvalidClient()
    {
        using var response = await PostAsync("connect/token", "grant_type=client_credentials", ("no-such-client", "whatever"));
        await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task TokenEndpoint_WrongSecret_AnswersInvalidClient()
    {
        using var response = await PostAsync("connect/token", "grant_type=client_credentials", (Cluster.Admin.Id, "wrong-secret"));
        await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task TokenEndpoint_JsonBody_AnswersInvalidRequest()
    {
        using var response = await PostJsonAsync("connect/token", """{"grant_type":"client_credentials"}""", Cluster.Admin);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task RevocationEndpoint_MissingToken_AnswersInvalidRequest()
    {
        using var response = await PostAsync("connect/revoke", "token_type_hint=access_token", Cluster.Admin);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task RevocationEndpoint_WrongSecret_AnswersInvalidClient()
    {
        using var response = await PostAsync("connect/revoke", "token=abc", (Cluster.Admin.Id, "wrong-secret"));
        await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task RevocationEndpoint_JsonBody_AnswersInvalidRequest()
    {
        using var response = await PostJsonAsync("connect/revoke", """{"token":"abc"}""", Cluster.Admin);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task RevocationEndpoint_RepeatedParameter_AnswersInvalidRequest()
    {
        using var response = await PostAsync("connect/revoke", "token=abc&token=def", Cluster.Admin);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task RevocationEndpoint_UnknownToken_Answers200AsRfc7009Says()
    {
        using var response = await PostAsync("connect/revoke", "token=not-a-token-we-issued", Cluster.Admin);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task IntrospectionEndpoint_NoCredentials_Answers401WithChallenge()
    {
        using var response = await PostAsync("connect/introspect", "token=abc", credentials: null);
        await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Basic");
    }

    [Fact]
    public async Task IntrospectionEndpoint_WrongSecret_Answers401()
    {
        using var response = await PostAsync("connect/introspect", "token=abc", (Cluster.Api.Id, "wrong-secret"));
        await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task IntrospectionEndpoint_MissingToken_AnswersInvalidRequest()
    {
        using var response = await PostAsync("connect/introspect", "token_type_hint=access_token", Cluster.Api);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task IntrospectionEndpoint_JsonBody_AnswersInvalidRequest()
    {
        using var response = await PostJsonAsync("connect/introspect", """{"token":"abc"}""", Cluster.Api);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task IntrospectionEndpoint_RepeatedParameter_AnswersInvalidRequest()
    {
        using var response = await PostAsync("connect/introspect", "token=abc&token=def", Cluster.Api);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task IntrospectionEndpoint_NulInForm_AnswersInvalidRequest()
    {
        using var response = await PostAsync("connect/introspect", "token=a%00b", Cluster.Api);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task TokenEndpoint_NulInForm_AnswersInvalidRequest()
    {
        using var response = await PostAsync("connect/token", "grant_type=client_credentials&scope=a%00", Cluster.Admin);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task IntrospectionEndpoint_CallerWithoutPermission_IsRefused()
    {
        var client = await Cluster.RegisterClientAsync(new { clientId = $"no-introspection-{Guid.NewGuid():N}" });
        await WaitUntilProjectedAsync(client);
        using var response = await PostAsync("connect/introspect", "token=abc", client);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task IntrospectionEndpoint_UnknownToken_AnswersActiveFalseOnly()
    {
        using var response = await PostAsync("connect/introspect", "token=not-a-token-we-issued", Cluster.Api);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"active":false}""", await response.Content.ReadAsStringAsync());
    }

    private async Task WaitUntilProjectedAsync((string Id, string Secret) client)
    {
        // A client is known to the projection once its ClientRegistered event has been relayed.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await PostAsync("connect/introspect", "token=abc", client);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                return;
            }

            await Task.Delay(50);
        }
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string form, (string Id, string Secret)? credentials)
    {
        using var http = Cluster.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        if (credentials is { } c)
        {
            request.Headers.Authorization = PlatformCluster.Basic(c.Id, c.Secret);
        }

        return await http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PostJsonAsync(string path, string json, (string Id, string Secret) credentials)
    {
        using var http = Cluster.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = PlatformCluster.Basic(credentials.Id, credentials.Secret);
        return await http.SendAsync(request);
    }

    private static async Task AssertOAuthErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(new MediaTypeHeaderValue("application/json").MediaType, response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("error_description").GetString()));
    }
}
