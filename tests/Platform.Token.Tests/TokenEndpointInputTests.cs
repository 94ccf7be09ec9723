using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests;

/// <summary>
/// Requests the token service must refuse: paths other services own, and malformed token and revocation
/// requests (beyond the cases the end-to-end BadInputTests cover). Every refusal is an OAuth error in JSON,
/// never a 500, and writes nothing to the store.
/// </summary>
public sealed class TokenEndpointInputTests(TokenServiceFixture fixture) : IClassFixture<TokenServiceFixture>
{
    [Theory]
    [InlineData("POST", "connect/introspect")]
    [InlineData("GET", ".well-known/openid-configuration")]
    [InlineData("GET", ".well-known/oauth-authorization-server")]
    [InlineData("GET", ".well-known/jwks")]
    public async Task EndpointOfAnotherService_SentStraightToTokenService_Answers404(string method, string path)
    {
        var token = await fixture.RequestTokenAsync();
        using var http = fixture.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token.AccessToken });
            request.Headers.Authorization = PlatformCluster.Basic(fixture.Client.Id, fixture.Client.Secret);
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, HttpStatusCode, string> BadRequests => new()
    {
        { "token: GET instead of POST", HttpStatusCode.BadRequest, "invalid_request" },
        { "token: empty body without content type", HttpStatusCode.BadRequest, "invalid_request" },
        { "token: empty form", HttpStatusCode.BadRequest, "invalid_request" },
        { "token: multipart instead of a form", HttpStatusCode.BadRequest, "invalid_request" },
        { "token: invalid UTF-8 bytes in the scope", HttpStatusCode.BadRequest, "invalid_scope" },
        { "token: invalid percent-encoding in the scope", HttpStatusCode.BadRequest, "invalid_scope" },
        { "token: percent-encoded NUL in the scope", HttpStatusCode.BadRequest, "invalid_request" },
        { "token: scope of 64 KB", HttpStatusCode.BadRequest, "invalid_scope" },
        { "token: scope over the 4 MB form value limit", HttpStatusCode.BadRequest, "invalid_request" },
        { "token: over 1,024 form fields", HttpStatusCode.BadRequest, "invalid_request" },
        { "token: client secret in both header and body", HttpStatusCode.BadRequest, "invalid_request" },
        { "token: Basic credentials that are not base64", HttpStatusCode.BadRequest, "invalid_request" },
        { "revoke: GET instead of POST", HttpStatusCode.BadRequest, "invalid_request" },
        { "revoke: percent-encoded NUL in the token", HttpStatusCode.BadRequest, "invalid_request" },
        { "revoke: token over the 4 MB form value limit", HttpStatusCode.BadRequest, "invalid_request" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task MalformedRequest_ToTokenService_AnswersOAuthErrorAndWritesNothing(string @case, HttpStatusCode status, string error)
    {
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);
        using var http = fixture.CreateClient();
        using var request = Build(@case);

        using var response = await http.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{@case}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("error_description").GetString()), $"{@case}: no error_description");
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    private HttpRequestMessage Build(string @case)
    {
        const string grant = "grant_type=client_credentials";
        var request = @case switch
        {
            "token: GET instead of POST" => new HttpRequestMessage(HttpMethod.Get, $"connect/token?{grant}&scope={TokenServiceFixture.Scope}"),
            "token: empty body without content type" => new HttpRequestMessage(HttpMethod.Post, "connect/token"),
            "token: empty form" => Form("connect/token", []),
            "token: multipart instead of a form" => new HttpRequestMessage(HttpMethod.Post, "connect/token")
            {
                Content = new MultipartFormDataContent { { new StringContent("client_credentials"), "grant_type" } },
            },
            "token: invalid UTF-8 bytes in the scope" => Form("connect/token", [.. Ascii($"{grant}&scope="), 0xff, 0xfe, 0xc3]),
            "token: invalid percent-encoding in the scope" => Form("connect/token", Ascii($"{grant}&scope=%ZZ%E0%A4%")),
            "token: percent-encoded NUL in the scope" => Form("connect/token", Ascii($"{grant}&scope={TokenServiceFixture.Scope}%00")),
            "token: scope of 64 KB" => Form("connect/token", Ascii($"{grant}&scope={new string('a', 64 * 1024)}")),
            "token: scope over the 4 MB form value limit" => Form("connect/token", Ascii($"{grant}&scope={new string('a', 4 * 1024 * 1024 + 1)}")),
            "token: over 1,024 form fields" => Form("connect/token", Ascii($"{grant}&{string.Join('&', Enumerable.Range(0, 1100).Select(i => $"p{i}=1"))}")),
            "token: client secret in both header and body" => Form("connect/token", Ascii(
                $"{grant}&client_id={Uri.EscapeDataString(fixture.Client.Id)}&client_secret={Uri.EscapeDataString(fixture.Client.Secret)}")),
            "token: Basic credentials that are not base64" => Form("connect/token", Ascii(grant)),
            "revoke: GET instead of POST" => new HttpRequestMessage(HttpMethod.Get, "connect/revoke?token=abc"),
            "revoke: percent-encoded NUL in the token" => Form("connect/revoke", Ascii("token=abc%00")),
            "revoke: token over the 4 MB form value limit" => Form("connect/revoke", Ascii($"token={new string('a', 4 * 1024 * 1024 + 1)}")),
            _ => throw new ArgumentOutOfRangeException(nameof(@case), @case, "No such case."),
        };

        request.Headers.Authorization = @case == "token: Basic credentials that are not base64"
            ? new AuthenticationHeaderValue("Basic", "!!not-base64!!")
            : PlatformCluster.Basic(fixture.Client.Id, fixture.Client.Secret);
        return request;
    }

    private static HttpRequestMessage Form(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    private static byte[] Ascii(string value) => Encoding.ASCII.GetBytes(value);
}
