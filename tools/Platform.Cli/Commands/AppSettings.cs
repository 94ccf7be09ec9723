using Platform.Cli.Output;

namespace Platform.Cli.Commands;

/// <summary>
/// What a newly registered application puts in its settings to use Platform: everything an OAuth or OpenID
/// Connect library asks for. Printed once, since it holds the client's secret.
/// </summary>
internal sealed record AppSettings(
    string Issuer, string DiscoveryUrl, string TokenEndpoint, string ClientId, string? ClientSecret, string ClientType,
    IReadOnlyList<string> RedirectUris, IReadOnlyList<string> PostLogoutRedirectUris, IReadOnlyList<string> GrantTypes, IReadOnlyList<string> Scopes)
{
    public static AppSettings For(Uri issuer, string clientId, string? clientSecret, IReadOnlyList<string> redirectUris,
        IReadOnlyList<string> postLogoutRedirectUris, IReadOnlyList<string> grantTypes, IReadOnlyList<string> scopes, bool isPublic) =>
        new(issuer.AbsoluteUri, new Uri(issuer, ".well-known/openid-configuration").AbsoluteUri, new Uri(issuer, "connect/token").AbsoluteUri,
            clientId, clientSecret, isPublic ? "public" : "confidential", redirectUris, postLogoutRedirectUris, grantTypes, scopes);

    public void Print(Printer printer)
    {
        var signsUsersIn = GrantTypes.Contains("authorization_code");
        printer.Line($"Registered client {ClientId} ({ClientType}).");
        printer.Line();
        printer.Line("Put these in the application's settings:");
        var fields = new List<(string, string)>
        {
            ("Authority (issuer)", Issuer),
            ("Discovery URL", DiscoveryUrl),
            ("Client id", ClientId),
        };
        if (ClientSecret is not null)
        {
            fields.Add(("Client secret", ClientSecret + "   (shown this once: store it now)"));
        }

        if (signsUsersIn)
        {
            fields.AddRange(RedirectUris.Select(uri => ("Redirect URI", uri)));
            fields.AddRange(PostLogoutRedirectUris.Select(uri => ("Post-logout URI", uri)));
            fields.Add(("Scopes", string.Join(' ', Scopes)));
            fields.Add(("Flow", "authorization code (response_type=code) with PKCE S256"
                + (GrantTypes.Contains("refresh_token") ? "; refresh tokens rotate on every use" : "")));
        }
        else
        {
            fields.Add(("Token endpoint", TokenEndpoint));
            fields.Add(("Grant type", string.Join(' ', GrantTypes)));
            fields.Add(("Scopes", Scopes.Count == 0 ? "(none yet: ./platform clients update --scope ...)" : string.Join(' ', Scopes)));
        }

        printer.Fields(fields);
        printer.Line();
        printer.Line(ClientSecret is null
            ? "A public client has no secret: the library authenticates with PKCE alone."
            : "The client authenticates with client_secret_basic or client_secret_post.");
    }
}
