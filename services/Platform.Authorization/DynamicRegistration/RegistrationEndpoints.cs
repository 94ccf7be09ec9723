using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Validation.AspNetCore;
using Platform.Authorization.Clients;
using Platform.Authorization.Clients.Registering;
using Platform.Authorization.Clients.Showing;
using Platform.Authorization.Clients.Updating;
using Platform.Identity.Clients;
using Platform.Identity.Scopes;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.DynamicRegistration;

/// <summary>
/// <c>POST /connect/register</c> (RFC 7591) and the client configuration endpoint <c>/connect/register/{clientId}</c>
/// (RFC 7592: GET, PUT, DELETE with the registration access token). The registration access token is 256 random
/// bits shown once; only its <c>sha256:</c> hash is kept, in the client's properties (so in <c>ClientRegistered</c>).
/// Every change goes through OpenIddict's manager, so it is <c>ClientRegistered</c>, <c>ClientUpdated</c> or
/// <c>ClientDeleted</c> in the client's stream.
/// </summary>
public static class RegistrationEndpoints
{
    public const string Path = "/connect/register";

    public static WebApplicationBuilder AddDynamicRegistration(this WebApplicationBuilder builder)
    {
        var mode = RegistrationSettings.Read(builder.Configuration);
        builder.Services.AddSingleton(new RegistrationModeOf(mode));
        if (mode != RegistrationMode.Off)
        {
            builder.Services.AddOpenIddict().AddServer(server => server.AddEventHandler<OpenIddictServerEvents.HandleConfigurationRequestContext>(handler =>
                handler.UseInlineHandler(context =>
                {
                    // RFC 8414 §2 / OpenID Connect Discovery: where clients register.
                    context.Metadata["registration_endpoint"] = new Uri(context.BaseUri!, Path.TrimStart('/')).AbsoluteUri;
                    return ValueTask.CompletedTask;
                })));
        }

        return builder;
    }

    public static WebApplication MapDynamicRegistration(this WebApplication app)
    {
        if (app.Services.GetRequiredService<RegistrationModeOf>().Mode == RegistrationMode.Off)
        {
            return app;
        }

        var group = app.MapGroup(Path).DisableAntiforgery().WithTags("Dynamic registration");
        group.MapPost("", RegisterAsync).WithSummary("Register a client (RFC 7591).");
        group.MapGet("/{clientId}", ReadAsync).WithSummary("Read the client's registration with its registration access token (RFC 7592).");
        group.MapPut("/{clientId}", UpdateAsync).WithSummary("Replace the client's metadata with its registration access token (RFC 7592).");
        group.MapDelete("/{clientId}", DeleteAsync).WithSummary("Delete the client with its registration access token (RFC 7592).");
        return app;
    }

    private static async Task<IResult> RegisterAsync(HttpContext context, RegistrationModeOf mode, IOpenIddictApplicationManager applications,
        IQuerySession session, TimeProvider time)
    {
        NoStore(context);
        if (mode.Mode == RegistrationMode.Protected)
        {
            var principal = (await context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)).Principal;
            if (principal is null)
            {
                return Bearer(context, StatusCodes.Status401Unauthorized, context.Request.Headers.Authorization.Count == 0 ? null : Errors.InvalidToken,
                    "Registration needs an initial access token: a bearer access token with the platform.register scope.");
            }

            if (!principal.HasScope(RegistrationSettings.RegisterScope))
            {
                return Bearer(context, StatusCodes.Status403Forbidden, Errors.InsufficientScope,
                    "The initial access token lacks the platform.register scope.", RegistrationSettings.RegisterScope);
            }
        }

        var (metadata, readError) = await ReadMetadataAsync(context.Request);
        if (readError is not null)
        {
            return readError;
        }

        var (requested, error) = ClientMetadata.Decide(metadata, mode.Mode, await KnownScopesAsync(session, context.RequestAborted));
        if (error is not null)
        {
            return Error(error);
        }

        var secret = ClientSecrets.Generate();
        var decision = ClientRegistration.Decide(requested!.Registration, secret);
        var descriptor = decision.Descriptor!;
        var registrationToken = ClientSecrets.Generate();
        descriptor.Properties[ClientDetails.DynamicRegistrationProperty] = JsonSerializer.SerializeToElement(ClientSecrets.Hash(registrationToken));
        descriptor.Properties[ClientMetadata.AuthMethodProperty] = JsonSerializer.SerializeToElement(requested.TokenEndpointAuthMethod);
        var issuedSecret = descriptor.ClientSecret;
        var client = (Client)await applications.CreateAsync(descriptor, context.RequestAborted);

        var answer = ClientMetadata.Describe(client, ClientUri(context, client.ClientId!));
        answer["client_id_issued_at"] = time.GetUtcNow().ToUnixTimeSeconds();
        if (issuedSecret is not null)
        {
            answer["client_secret"] = issuedSecret;
            answer["client_secret_expires_at"] = 0;
        }

        answer["registration_access_token"] = registrationToken;
        return Results.Json(answer, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ReadAsync(string clientId, HttpContext context, ClientAdministration clients)
    {
        NoStore(context);
        return await AuthorizedAsync(context, clients, clientId) is { } client
            ? Results.Json(ClientMetadata.Describe(client, ClientUri(context, clientId)))
            : InvalidRegistrationToken(context);
    }

    private static async Task<IResult> UpdateAsync(string clientId, HttpContext context, ClientAdministration clients, RegistrationModeOf mode,
        IOpenIddictApplicationManager applications, IQuerySession session)
    {
        NoStore(context);
        if (await AuthorizedAsync(context, clients, clientId) is not { } client)
        {
            return InvalidRegistrationToken(context);
        }

        var (metadata, readError) = await ReadMetadataAsync(context.Request);
        if (readError is not null)
        {
            return readError;
        }

        // RFC 7592 §2.2: the body carries the client_id, and a client_secret only if it is the current one.
        if (!metadata.TryGetProperty("client_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() != clientId)
        {
            return Error(new RegistrationError(ClientMetadata.InvalidClientMetadata, "client_id: the body must carry the client's own client_id."));
        }

        if (metadata.TryGetProperty("client_secret", out var secret)
            && (secret.ValueKind != JsonValueKind.String || !ClientSecrets.Verify(secret.GetString(), client.ClientSecret)))
        {
            return Error(new RegistrationError(ClientMetadata.InvalidClientMetadata, "client_secret: it is not the client's secret; leave it out or send the current one."));
        }

        var (requested, error) = ClientMetadata.Decide(metadata, mode.Mode, await KnownScopesAsync(session, context.RequestAborted), clientId);
        if (error is not null)
        {
            return Error(error);
        }

        if (requested!.Registration.ClientType != client.ClientType)
        {
            return Error(new RegistrationError(ClientMetadata.InvalidClientMetadata,
                "token_endpoint_auth_method: a client cannot move between 'none' (public) and a secret method (confidential); register a new client."));
        }

        ClientUpdate.Apply(client, ClientRegistration.Decide(requested.Registration, secret: "unused").Descriptor!);
        client.Properties[ClientMetadata.AuthMethodProperty] = JsonSerializer.SerializeToElement(requested.TokenEndpointAuthMethod);
        try
        {
            await applications.UpdateAsync(client, context.RequestAborted);
        }
        catch (OpenIddictExceptions.ConcurrencyException)
        {
            return Results.Json(new { error = "invalid_client_metadata", error_description = "The client changed while this request was decided; read it and retry." },
                statusCode: StatusCodes.Status409Conflict);
        }

        return Results.Json(ClientMetadata.Describe(client, ClientUri(context, clientId)));
    }

    private static async Task<IResult> DeleteAsync(string clientId, HttpContext context, ClientAdministration clients, IOpenIddictApplicationManager applications)
    {
        NoStore(context);
        if (await AuthorizedAsync(context, clients, clientId) is not { } client)
        {
            return InvalidRegistrationToken(context);
        }

        // The store prunes the client's tokens and grants, then records ClientDeleted.
        await applications.DeleteAsync(client, context.RequestAborted);
        return Results.NoContent();
    }

    /// <summary>
    /// The client named by the path, when the bearer token is its registration access token and it is enabled.
    /// An unknown client, a disabled one and a wrong token all answer the same 401 (RFC 7592 §2).
    /// </summary>
    private static async Task<Client?> AuthorizedAsync(HttpContext context, ClientAdministration clients, string clientId)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var client = await clients.FindAsync(clientId, context.RequestAborted);
        var hash = client is not null && client.Properties.TryGetValue(ClientDetails.DynamicRegistrationProperty, out var stored)
            && stored.ValueKind == JsonValueKind.String ? stored.GetString() : null;
        var matches = ClientSecrets.Verify(presented, hash ?? Unmatchable);
        return matches && client is { Enabled: true } ? client : null;
    }

    // Verified against when there is nothing to verify, so an unknown client costs the same as a wrong token.
    private static readonly string Unmatchable = ClientSecrets.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    private static async Task<IReadOnlySet<string>> KnownScopesAsync(IQuerySession session, CancellationToken cancellationToken)
    {
        var names = await session.Query<Scope>().Select(scope => scope.Name!).ToListAsync(cancellationToken);
        return new HashSet<string>(names.Concat([Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess]), StringComparer.Ordinal);
    }

    private static async Task<(JsonElement Metadata, IResult? Error)> ReadMetadataAsync(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            return (default, Error(new RegistrationError(ClientMetadata.InvalidClientMetadata, "Send the client metadata as JSON (Content-Type: application/json).")));
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException)
        {
            return (default, Error(new RegistrationError(ClientMetadata.InvalidClientMetadata, "The body is not well-formed JSON.")));
        }
    }

    private static Uri ClientUri(HttpContext context, string clientId)
    {
        var issuer = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.Issuer!;
        return new Uri(issuer, $"{Path.TrimStart('/')}/{Uri.EscapeDataString(clientId)}");
    }

    private static IResult Error(RegistrationError error) =>
        Results.Json(new JsonObject { ["error"] = error.Error, ["error_description"] = error.Description }, statusCode: StatusCodes.Status400BadRequest);

    private static IResult InvalidRegistrationToken(HttpContext context) =>
        Bearer(context, StatusCodes.Status401Unauthorized, Errors.InvalidToken, "The registration access token is not valid for this client.");

    /// <summary>An RFC 6750 §3 answer: the challenge in <c>WWW-Authenticate</c> and the same error in the body.</summary>
    private static IResult Bearer(HttpContext context, int status, string? error, string description, string? scope = null)
    {
        var challenge = "Bearer realm=\"Platform\"";
        if (error is not null)
        {
            challenge += $", error=\"{error}\", error_description=\"{description}\"";
        }

        if (scope is not null)
        {
            challenge += $", scope=\"{scope}\"";
        }

        context.Response.Headers.WWWAuthenticate = challenge;
        return error is null
            ? Results.StatusCode(status)
            : Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: status);
    }

    private static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
    }
}

/// <summary>The registration mode the service started with.</summary>
public sealed record RegistrationModeOf(RegistrationMode Mode);
