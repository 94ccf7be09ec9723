using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers.Exchange;

namespace Platform.Token.Tokens.Issuing;

/// <summary>
/// A refresh request asking for a scope the grant does not hold is <c>invalid_scope</c> ("exceeds the scope granted
/// by the resource owner", RFC 6749 §5.2 and §6). OpenIddict's <see cref="ValidateGrantedScopes"/> answers
/// <c>invalid_grant</c> for it; this handler runs just before it and answers as the RFC says.
/// </summary>
public sealed class RefreshScope : IOpenIddictServerHandler<ValidateTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
            .UseSingletonHandler<RefreshScope>()
            .SetOrder(ValidateGrantedScopes.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>The scopes asked for that the grant does not hold; empty when the request keeps within the grant.</summary>
    public static IReadOnlyList<string> Wider(IEnumerable<string> granted, IEnumerable<string> requested) =>
        [.. requested.Except(granted, StringComparer.Ordinal)];

    public ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        if (!context.Request.IsRefreshTokenGrantType() || string.IsNullOrEmpty(context.Request.Scope) || context.RefreshTokenPrincipal is null)
        {
            return ValueTask.CompletedTask;
        }

        var wider = Wider(context.RefreshTokenPrincipal.GetScopes(), context.Request.GetScopes());
        if (wider.Count > 0)
        {
            context.Reject(
                error: Errors.InvalidScope,
                description: $"The refresh token was not granted the scope {string.Join(' ', wider)}: ask for the granted scopes or fewer.");
        }

        return ValueTask.CompletedTask;
    }
}
