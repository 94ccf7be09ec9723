using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>The admin API's OpenAPI document and its browsable reference, served without a token.</summary>
public sealed partial class AdminDocsTests(AuthorizationServiceFixture fixture) : IClassFixture<AuthorizationServiceFixture>
{
    [Fact]
    public async Task OpenApiDocument_DescribesEveryAdminEndpointWithTheBearerScheme()
    {
        using var http = fixture.CreateClient();

        var document = await AuthorizationServiceFixture.GetJsonAsync(http, "admin/openapi/authorization.json");

        var paths = document.GetProperty("paths");
        (string Path, string Method)[] expected =
        [
            ("/admin/clients", "post"), ("/admin/clients", "get"), ("/admin/clients/{clientId}", "get"), ("/admin/clients/{clientId}", "patch"),
            ("/admin/clients/{clientId}/secret", "post"), ("/admin/clients/{clientId}/disable", "post"), ("/admin/clients/{clientId}/enable", "post"),
            ("/admin/scopes", "get"), ("/admin/scopes", "post"), ("/admin/scopes/{name}", "get"),
            ("/admin/grants", "get"), ("/admin/grants/{grantId}", "delete"), ("/admin/tokens/{tokenId}/revoke", "post"),
        ];
        foreach (var (path, method) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method.ToUpperInvariant()} {path} is not described");
        }

        Assert.DoesNotContain(paths.EnumerateObject(), path => path.Name.StartsWith("/connect/authorize", StringComparison.Ordinal));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task Reference_IsAPageWhoseScriptIsServedHere()
    {
        using var http = fixture.CreateClient();

        var page = await http.GetStringAsync("admin/docs");

        // Scalar resolves these against the site's root: the gateway sends each to its service.
        Assert.Contains("\"url\":\"admin/openapi/authorization.json\"", page, StringComparison.Ordinal);
        Assert.Contains("\"url\":\"admin/openapi/profile.json\"", page, StringComparison.Ordinal);
        var script = ScriptSource().Match(page).Groups[1].Value;
        Assert.False(script.StartsWith("http", StringComparison.Ordinal), $"The page loads its script from elsewhere: {script}");
        using var response = await http.GetAsync(new Uri(new Uri(http.BaseAddress!, "admin/docs/"), script));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [GeneratedRegex("<script[^>]+src=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
