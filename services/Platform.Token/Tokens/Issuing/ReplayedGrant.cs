using OpenIddict.Abstractions;
using OpenIddict.Server;
using Platform.Contracts.Events;
using Platform.Identity.Tokens;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlerFilters;
using static OpenIddict.Server.OpenIddictServerHandlers.Protection;
using TokenTypes = OpenIddict.Abstractions.OpenIddictConstants.TokenTypeIdentifiers;

namespace Platform.Token.Tokens.Issuing;

/// <summary>
/// A redeemed authorization code, or a redeemed refresh token past the reuse leeway, presented again: OpenIddict's
/// <see cref="ValidateTokenEntry"/> refuses it and revokes every token of its grant (RFC 9700 §4.5, §4.14.2). It
/// does not say why to the store, so this handler runs it inside a <see cref="RevocationReason"/> scope and every
/// <c>TokenRevoked</c> of that cascade says <c>code_replayed</c> or <c>refresh_replayed</c>. The replay decision
/// itself stays OpenIddict's.
/// </summary>
public sealed class ReplayedGrant(IOpenIddictTokenManager tokens) : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .AddFilter<RequireDegradedModeDisabled>()
            .AddFilter<RequireTokenStorageEnabled>()
            .AddFilter<RequireTokenIdResolved>()
            .UseScopedHandler<ReplayedGrant>()
            .SetOrder(ValidateTokenEntry.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>The reason a replay of a token of this type revokes its grant's tokens with; null for other types.</summary>
    public static string? ReasonFor(string? tokenType) => tokenType switch
    {
        TokenTypes.Private.AuthorizationCode => RevocationReasons.CodeReplayed,
        TokenTypes.RefreshToken => RevocationReasons.RefreshReplayed,
        _ => null,
    };

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var reason = ReasonFor(context.Principal?.GetTokenType());
        using (reason is null ? null : RevocationReason.Use(reason))
        {
            // The only revocation ValidateTokenEntry makes is the replay cascade.
            await new ValidateTokenEntry(tokens).HandleAsync(context);
        }
    }
}
