using System.Net.Http.Headers;
using System.Text;
using Marten;
using Platform.Identity.Clients;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Introspection;

/// <summary>
/// Authenticates the caller of introspection (client_secret_basic or client_secret_post) against the
/// client views (the writers' client document when the views do not know the client or its secret yet), and
/// checks it holds the introspection permission. Unknown client and wrong secret get the same answer.
/// </summary>
public sealed class CallerAuthentication(IQuerySession session, CallerCache callers, WriterClients writers)
{
    public const string IntrospectionPermission = "ept:introspection";

    public async Task<CallerResult> AuthenticateAsync(HttpRequest request, IFormCollection form, CancellationToken cancellationToken)
    {
        var credentials = ReadCredentials(request, form);
        if (credentials.Failure is not null)
        {
            return credentials;
        }

        var client = await FindAsync(credentials.ClientId!, cancellationToken);
        var secretMatches = ClientSecrets.Verify(credentials.Secret!, client?.SecretHash);
        if (client is null || !secretMatches)
        {
            // The read model may not know the caller yet (just registered) or its new secret (just rotated), and
            // never knows a previous secret within its overlap: the writers' document decides.
            if (await writers.AuthenticateAsync(credentials.ClientId!, credentials.Secret!, cancellationToken) is { } written)
            {
                (client, secretMatches) = (written, true);
            }
        }
        if (client is null || !secretMatches || !client.Enabled || client.Deleted)
        {
            return Unauthorized(credentials.UsedBasic, "The client credentials are invalid.");
        }

        if (!client.Permissions.Contains(IntrospectionPermission))
        {
            return new CallerResult(null, null, false, OAuthError.Result(StatusCodes.Status400BadRequest, "unauthorized_client",
                "This client is not allowed to use the introspection endpoint."));
        }

        return credentials with { Permissions = client.Permissions };
    }

    private async Task<ClientView?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        if (callers.TryGet(clientId, out var cached))
        {
            return cached;
        }

        var started = callers.Now();
        var client = await session.Query<ClientView>().FirstOrDefaultAsync(view => view.ClientId == clientId, cancellationToken);
        if (client is not null)
        {
            callers.Set(clientId, client, started);
        }

        return client;
    }

    private static CallerResult ReadCredentials(HttpRequest request, IFormCollection form)
    {
        var header = request.Headers.Authorization.ToString();
        var formId = form["client_id"].ToString();
        var formSecret = form["client_secret"].ToString();
        if (!string.IsNullOrEmpty(header))
        {
            if (!string.IsNullOrEmpty(formSecret))
            {
                return new CallerResult(null, null, true, OAuthError.Result(StatusCodes.Status400BadRequest, "invalid_request",
                    "Use one client authentication method: the Authorization header or client_secret in the body, not both."));
            }

            if (!AuthenticationHeaderValue.TryParse(header, out var value) || !value.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)
                || DecodeBasic(value.Parameter) is not { } basic)
            {
                return Unauthorized(true, "The Authorization header must carry Basic client credentials.");
            }

            return new CallerResult(basic.Id, basic.Secret, true, null);
        }

        if (string.IsNullOrEmpty(formId) || string.IsNullOrEmpty(formSecret))
        {
            return Unauthorized(true, "The caller must authenticate with its client credentials.");
        }

        return new CallerResult(formId, formSecret, false, null);
    }

    /// <summary>RFC 6749 §2.3.1: the id and secret are form-urlencoded before being joined and base64-encoded.</summary>
    private static (string Id, string Secret)? DecodeBasic(string? parameter)
    {
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter ?? string.Empty));
            var separator = decoded.IndexOf(':', StringComparison.Ordinal);
            if (separator <= 0)
            {
                return null;
            }

            return (Uri.UnescapeDataString(decoded[..separator].Replace('+', ' ')),
                    Uri.UnescapeDataString(decoded[(separator + 1)..].Replace('+', ' ')));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static CallerResult Unauthorized(bool usedBasic, string description) =>
        new(null, null, usedBasic, new ChallengeResult(description));

    /// <summary>401 always carries a challenge (RFC 9110 §15.5.2), whichever method the caller tried.</summary>
    private sealed class ChallengeResult(string description) : IResult, OAuthError.ICarriesError
    {
        public string Error => "invalid_client";

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = "Basic realm=\"Platform\", charset=\"UTF-8\"";

            return OAuthError.Result(StatusCodes.Status401Unauthorized, "invalid_client", description).ExecuteAsync(httpContext);
        }
    }
}

public sealed record CallerResult(string? ClientId, string? Secret, bool UsedBasic, IResult? Failure)
{
    public IReadOnlyList<string> Permissions { get; init; } = [];
}
