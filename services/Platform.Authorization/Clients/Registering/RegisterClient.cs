using System.Text.RegularExpressions;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Clients.Registering;

/// <summary>A request to register a client. Platform generates the secret unless the operator's seed file gives one.</summary>
public sealed record RegisterClient(
    string? ClientId,
    string? DisplayName,
    IReadOnlyList<string>? GrantTypes,
    IReadOnlyList<string>? Scopes,
    IReadOnlyList<string>? RedirectUris,
    bool Introspection = false);

/// <summary>What is wrong with a registration, field by field.</summary>
public sealed record RegistrationRejected(IReadOnlyDictionary<string, string[]> Errors);

/// <summary>Either the application to create or why not.</summary>
public sealed record RegistrationDecision(OpenIddictApplicationDescriptor? Descriptor, RegistrationRejected? Rejected);

/// <summary>The rules for a new confidential client, as a pure function: request in, descriptor or rejection out.</summary>
public static partial class ClientRegistration
{
    /// <summary>Grant types a client can be registered for today.</summary>
    public static IReadOnlySet<string> SupportedGrantTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { GrantTypes.ClientCredentials };

    public static RegistrationDecision Decide(RegisterClient request, string secret)
    {
        var errors = new Dictionary<string, string[]>();
        var clientId = request.ClientId ?? $"client-{Guid.NewGuid():N}";
        if (!ClientIdPattern().IsMatch(clientId))
        {
            errors["clientId"] = ["A client id is 3 to 100 letters, digits, '.', '_' or '-'."];
        }

        var grantTypes = request.GrantTypes ?? [GrantTypes.ClientCredentials];
        var unsupported = grantTypes.Where(type => !SupportedGrantTypes.Contains(type)).ToArray();
        if (unsupported.Length > 0)
        {
            errors["grantTypes"] = [$"Unsupported grant type(s): {string.Join(", ", unsupported)}. Supported: {string.Join(", ", SupportedGrantTypes)}."];
        }

        var scopes = request.Scopes ?? [];
        if (scopes.Any(scope => string.IsNullOrWhiteSpace(scope) || scope.Any(char.IsWhiteSpace)))
        {
            errors["scopes"] = ["A scope is a non-empty value without spaces."];
        }

        if (request.RedirectUris is { Count: > 0 })
        {
            errors["redirectUris"] = ["Redirect URIs belong to the authorization code flow, which this registration does not offer yet."];
        }

        if (errors.Count > 0)
        {
            return new RegistrationDecision(null, new RegistrationRejected(errors));
        }

        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            ApplicationType = ApplicationTypes.Web,
            ConsentType = ConsentTypes.Explicit,
            DisplayName = request.DisplayName ?? clientId,
        };

        if (grantTypes.Count > 0)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Token);
            descriptor.Permissions.Add(Permissions.Endpoints.Revocation);
        }

        foreach (var grantType in grantTypes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.GrantType + grantType);
        }

        foreach (var scope in scopes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        if (request.Introspection)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }

        return new RegistrationDecision(descriptor, null);
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{3,100}$")]
    private static partial Regex ClientIdPattern();
}
