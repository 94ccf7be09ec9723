using System.Text.Json.Serialization;
using OpenIddict.Abstractions;
using Platform.Authorization.Clients.Disabling;
using Platform.Authorization.Clients.Registering;
using Platform.Authorization.Clients.RotatingSecret;
using Platform.Authorization.Clients.Showing;
using Platform.Authorization.Clients.Updating;
using Platform.Contracts.Events;
using Platform.Identity.Admin;
using Platform.Identity.Clients;

namespace Platform.Authorization.Clients;

/// <summary><c>/admin/clients/...</c> besides registration: list, show, update, rotate the secret, disable, enable.</summary>
public static class ClientAdminEndpoints
{
    public static WebApplication MapClientAdministration(this WebApplication app)
    {
        var clients = app.MapAdminGroup("/admin/clients").WithTags("Clients");
        clients.MapGet("", ListAsync).WithSummary("List every client, enabled or not.").Produces<ClientDetails[]>();
        clients.MapGet("/{clientId}", ShowAsync).WithSummary("Show one client.").Produces<ClientDetails>().ProducesProblem(404);
        clients.MapPatch("/{clientId}", UpdateAsync).WithSummary("Change any of the given fields; the result must pass the registration rules.")
            .Accepts<UpdateClientBody>("application/json").Produces<ClientDetails>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        clients.MapPost("/{clientId}/secret", RotateSecretAsync).WithSummary("Rotate the secret: the new one is shown in this answer only.")
            .Accepts<RotateSecretBody>("application/json").Produces<RotatedSecret>().ProducesValidationProblem().ProducesProblem(404);
        clients.MapPost("/{clientId}/disable", DisableAsync).WithSummary("Disable the client and revoke all of its tokens.")
            .Accepts<DisableBody>("application/json").Produces<ClientDetails>().ProducesProblem(404);
        clients.MapPost("/{clientId}/enable", EnableAsync).WithSummary("Enable the client again; tokens revoked by the disable stay revoked.")
            .Produces<ClientDetails>().ProducesProblem(404);
        return app;
    }

    private static async Task<IResult> ListAsync(ClientAdministration clients, CancellationToken cancellationToken)
    {
        var now = clients.Now;
        return Results.Ok((await clients.ListAsync(cancellationToken)).Select(client => ClientDetails.From(client, now)));
    }

    private static async Task<IResult> ShowAsync(string clientId, ClientAdministration clients, CancellationToken cancellationToken) =>
        await clients.FindAsync(clientId, cancellationToken) is { } client
            ? Results.Ok(ClientDetails.From(client, clients.Now))
            : AdminApi.NotFound("client", clientId);

    private static async Task<IResult> UpdateAsync(string clientId, HttpRequest request, ClientAdministration clients,
        IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminApi.ReadObjectAsync(request);
        if (error is not null)
        {
            return error;
        }

        if (await clients.FindAsync(clientId, cancellationToken) is not { } client)
        {
            return AdminApi.NotFound("client", clientId);
        }

        var (registration, errors) = ClientUpdate.Decide(ClientDetails.From(client, clients.Now), body);
        if (errors is not null)
        {
            return AdminApi.Invalid(errors);
        }

        ClientUpdate.Apply(client, ClientRegistration.Decide(registration!, secret: "unused").Descriptor!);
        try
        {
            await applications.UpdateAsync(client, cancellationToken);
        }
        catch (OpenIddictExceptions.ValidationException exception)
        {
            return AdminApi.Invalid("body", string.Join(" ", exception.Results.Select(result => result.ErrorMessage)));
        }
        catch (OpenIddictExceptions.ConcurrencyException)
        {
            return Changed(clientId);
        }

        return Results.Ok(ClientDetails.From(client, clients.Now));
    }

    private static async Task<IResult> RotateSecretAsync(string clientId, HttpRequest request, ClientAdministration clients, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminApi.ReadObjectAsync(request, optional: true);
        if (error is not null)
        {
            return error;
        }

        var fields = new AdminFields(body).OnlyKnown("overlapSeconds");
        var overlap = fields.Number("overlapSeconds");
        if (fields.Errors.Count > 0)
        {
            return AdminApi.Invalid(fields.Errors);
        }

        if (await clients.FindAsync(clientId, cancellationToken) is not { } client)
        {
            return AdminApi.NotFound("client", clientId);
        }

        var secret = ClientSecrets.Generate();
        var (rotated, errors) = SecretRotation.Rotate(client, ClientSecrets.Hash(secret), overlap, clients.Now);
        if (errors is not null)
        {
            return AdminApi.Invalid(errors);
        }

        try
        {
            await clients.AppendAsync(client, rotated!, cancellationToken);
        }
        catch (OpenIddictExceptions.ConcurrencyException)
        {
            return Changed(clientId);
        }

        return Results.Ok(new RotatedSecret(clientId, secret, rotated!.PreviousSecretValidUntil));
    }

    private static async Task<IResult> DisableAsync(string clientId, HttpRequest request, ClientAdministration clients, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminApi.ReadObjectAsync(request, optional: true);
        if (error is not null)
        {
            return error;
        }

        var fields = new AdminFields(body).OnlyKnown("reason");
        var reason = fields.Text("reason");
        if (fields.Errors.Count > 0)
        {
            return AdminApi.Invalid(fields.Errors);
        }

        if (await clients.FindAsync(clientId, cancellationToken) is not { } client)
        {
            return AdminApi.NotFound("client", clientId);
        }

        var (disabled, errors) = ClientEnablement.Disable(client, reason, clients.Now);
        if (errors is not null)
        {
            return AdminApi.Invalid(errors);
        }

        if (disabled is not null)
        {
            try
            {
                await clients.AppendAsync(client, disabled, cancellationToken);
            }
            catch (OpenIddictExceptions.ConcurrencyException)
            {
                return Changed(clientId);
            }
        }

        // Also when it was disabled already: a token issued in the moment before the disable committed is caught here.
        await clients.RevokeTokensAsync(client, RevocationReasons.ClientDisabled, cancellationToken);
        return Results.Ok(ClientDetails.From(await clients.FindAsync(clientId, cancellationToken) ?? client, clients.Now));
    }

    private static async Task<IResult> EnableAsync(string clientId, ClientAdministration clients, CancellationToken cancellationToken)
    {
        if (await clients.FindAsync(clientId, cancellationToken) is not { } client)
        {
            return AdminApi.NotFound("client", clientId);
        }

        if (ClientEnablement.Enable(client, clients.Now) is { } enabled)
        {
            try
            {
                await clients.AppendAsync(client, enabled, cancellationToken);
            }
            catch (OpenIddictExceptions.ConcurrencyException)
            {
                return Changed(clientId);
            }
        }

        return Results.Ok(ClientDetails.From(await clients.FindAsync(clientId, cancellationToken) ?? client, clients.Now));
    }

    private static IResult Changed(string clientId) =>
        AdminApi.Conflict("Client changed", $"The client '{clientId}' changed while this request was decided; read it again and retry.");
}

/// <summary>The new secret, shown once, in OAuth's spelling as in the registration answer; <paramref name="PreviousSecretValidUntil"/>
/// when the old one still works for a while.</summary>
public sealed record RotatedSecret(
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_secret")] string ClientSecret,
    [property: JsonPropertyName("previous_secret_valid_until")] DateTimeOffset? PreviousSecretValidUntil);

/// <summary>The body of <c>PATCH /admin/clients/{clientId}</c> (for the OpenAPI document): any of these fields.</summary>
public sealed record UpdateClientBody(
    string? DisplayName, IReadOnlyList<string>? RedirectUris, IReadOnlyList<string>? PostLogoutRedirectUris, IReadOnlyList<string>? GrantTypes,
    IReadOnlyList<string>? Scopes, string? ConsentType, string? AccessTokenFormat, int? AccessTokenLifetimeSeconds, int? RefreshTokenLifetimeSeconds,
    bool? Introspection);

/// <summary>The optional body of a secret rotation: how long the old secret keeps working.</summary>
public sealed record RotateSecretBody(int? OverlapSeconds);

/// <summary>The optional body of a disable: why, for the audit.</summary>
public sealed record DisableBody(string? Reason);
