using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Web;
using Duende.IdentityModel.Client;

static string Setting(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
    ? value : throw new InvalidOperationException($"Set {name} (./platform up writes it to .platform/demo.env).");
var (issuer, clientId, secret, redirectUri) =
    (Setting("PLATFORM_ISSUER"), Setting("DEMO_WEB_CLIENT_ID"), Setting("DEMO_WEB_CLIENT_SECRET"), Setting("DEMO_WEB_REDIRECT_URI"));

using var http = new HttpClient();
var discovery = await http.GetDiscoveryDocumentAsync(issuer);  // plain http is accepted on loopback only
if (discovery.IsError) throw new InvalidOperationException(discovery.Error);

var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
var state = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
Console.WriteLine("Open this in a browser, sign in and allow:");
Console.WriteLine(new RequestUrl(discovery.AuthorizeEndpoint!).CreateAuthorizeUrl(
    clientId: clientId, responseType: "code", scope: "openid profile email offline_access", redirectUri: redirectUri, state: state,
    codeChallenge: Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))), codeChallengeMethod: "S256"));
Console.WriteLine("Then paste the address the browser was sent to:");
var callback = HttpUtility.ParseQueryString(new Uri(Console.ReadLine()!.Trim()).Query);
if (callback["state"] != state || callback["code"] is not { } code)
    throw new InvalidOperationException($"Not a code for this sign-in: {callback["error"] ?? "another state"}");  // e.g. access_denied

var tokens = await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
{
    Address = discovery.TokenEndpoint, ClientId = clientId, ClientSecret = secret, Code = code, RedirectUri = redirectUri, CodeVerifier = verifier,
});
if (tokens.IsError) throw new InvalidOperationException($"{tokens.Error}: {tokens.ErrorDescription}");
var user = await http.GetUserInfoAsync(new UserInfoRequest { Address = discovery.UserInfoEndpoint, Token = tokens.AccessToken });
Console.WriteLine($"Signed in as {user.TryGet("name")} (sub {user.TryGet("sub")}); an ID token: {tokens.IdentityToken is not null}, a refresh token: {tokens.RefreshToken is not null}");

var renewed = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
{
    Address = discovery.TokenEndpoint, ClientId = clientId, ClientSecret = secret, RefreshToken = tokens.RefreshToken!,
});
Console.WriteLine(renewed.IsError ? $"Refresh refused: {renewed.Error}" : $"Refreshed: a new access token for {renewed.ExpiresIn} s, and a new refresh token");
