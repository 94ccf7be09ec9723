using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using Platform.Identity.Tokens;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlerFilters;
using static OpenIddict.Server.OpenIddictServerHandlers.Protection;

namespace Platform.Identity.Server;

/// <summary>
/// Replaces OpenIddict's create-then-update of a token entry (CreateTokenEntry, then AttachTokenPayload
/// reading the entry back and updating it) with a single write: the token id is chosen before the token
/// is serialized, and the entry is stored once, complete, with its payload and the hash of its reference
/// id. So the store appends exactly one <c>TokenIssued</c>, already carrying the reference hash that
/// introspection looks tokens up by, in one round trip.
/// </summary>
public static class TokenEntry
{
    /// <summary>Chooses the token's identifier up front, where OpenIddict would create the entry.</summary>
    public sealed class AssignIdentifier : IOpenIddictServerHandler<GenerateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
                .AddFilter<RequireDegradedModeDisabled>()
                .AddFilter<RequireTokenStorageEnabled>()
                .AddFilter<RequireTokenEntryCreated>()
                .UseSingletonHandler<AssignIdentifier>()
                .SetOrder(CreateTokenEntry.Descriptor.Order)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(GenerateTokenContext context)
        {
            context.Principal.SetTokenId(Guid.CreateVersion7().ToString());
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Stores the complete entry once the token has been serialized.</summary>
    public sealed class Persist(IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens) : IOpenIddictServerHandler<GenerateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
                .AddFilter<RequireDegradedModeDisabled>()
                .AddFilter<RequireTokenStorageEnabled>()
                .AddFilter<RequireTokenEntryCreated>()
                .UseScopedHandler<Persist>()
                .SetOrder(AttachTokenPayload.Descriptor.Order)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public async ValueTask HandleAsync(GenerateTokenContext context)
        {
            var descriptor = new OpenIddictTokenDescriptor
            {
                AuthorizationId = context.Principal.GetAuthorizationId(),
                CreationDate = context.Principal.GetCreationDate(),
                ExpirationDate = context.Principal.GetExpirationDate(),
                Principal = context.Principal,
                Type = context.TokenType,
                // Device codes wait, inactive, for the user's approval; every other token is valid at once.
                Status = context.TokenType == OpenIddictConstants.TokenTypeIdentifiers.Private.DeviceCode
                    ? OpenIddictConstants.Statuses.Inactive
                    : OpenIddictConstants.Statuses.Valid,
                Subject = context.TokenType is OpenIddictConstants.TokenTypeIdentifiers.Private.DeviceCode or OpenIddictConstants.TokenTypeIdentifiers.Private.UserCode
                    ? null
                    : context.Principal.GetClaim(OpenIddictConstants.Claims.Subject),
                Payload = context.PersistTokenPayload ? context.Token : null,
            };

            if (!string.IsNullOrEmpty(context.ClientId))
            {
                var application = await applications.FindByClientIdAsync(context.ClientId) ??
                    throw new InvalidOperationException("The client application of the token cannot be found.");
                descriptor.ApplicationId = await applications.GetIdAsync(application);
            }

            string? referenceId = null;
            if (context.IsReferenceToken)
            {
                referenceId = await CreateReferenceIdAsync(context);
                descriptor.ReferenceId = referenceId;
            }

            // The manager hashes the reference id before the store sees it; the raw value only goes to the client.
            var token = new Token
            {
                Id = context.Principal.GetTokenId(),
                // 256 random bits: the manager need not look the id up before the insert (the unique index holds).
                RandomReferenceId = referenceId is not null && context.TokenType != OpenIddictConstants.TokenTypeIdentifiers.Private.UserCode,
            };
            await tokens.PopulateAsync(token, descriptor);
            token.ParentTokenId = RedeemedTokenId(context);
            await tokens.CreateAsync(token);

            if (referenceId is not null)
            {
                context.Token = referenceId;
            }
        }

        /// <summary>
        /// The code, device code or refresh token the token endpoint is exchanging for this token, so that
        /// <c>TokenIssued.ParentTokenId</c> records the lineage: code → tokens, refresh token → rotated tokens.
        /// </summary>
        private static string? RedeemedTokenId(GenerateTokenContext context)
        {
            if (context.EndpointType != OpenIddictServerEndpointType.Token || context.Transaction.Request is not { } request)
            {
                return null;
            }

            var authentication = context.Transaction.GetProperty<ProcessAuthenticationContext>(typeof(ProcessAuthenticationContext).FullName!);
            return ParentOf(request.GrantType, authentication?.AuthorizationCodePrincipal, authentication?.DeviceCodePrincipal, authentication?.RefreshTokenPrincipal);
        }

        /// <summary>The id of the token a grant of <paramref name="grantType"/> redeems; null for grants that redeem none.</summary>
        public static string? ParentOf(string? grantType, ClaimsPrincipal? authorizationCode, ClaimsPrincipal? deviceCode, ClaimsPrincipal? refreshToken) =>
            (grantType switch
            {
                OpenIddictConstants.GrantTypes.AuthorizationCode => authorizationCode,
                OpenIddictConstants.GrantTypes.DeviceCode => deviceCode,
                OpenIddictConstants.GrantTypes.RefreshToken => refreshToken,
                _ => null,
            })?.GetTokenId();

        private async ValueTask<string> CreateReferenceIdAsync(GenerateTokenContext context)
        {
            var options = context.Options;
            if (context.TokenType == OpenIddictConstants.TokenTypeIdentifiers.Private.UserCode &&
                options.UserCodeCharset.Count > 0 && options.UserCodeLength > 0)
            {
                // User codes are short enough to collide: draw again until unused, as OpenIddict does.
                string code;
                do
                {
                    code = string.Concat(RandomNumberGenerator.GetItems<string>(options.UserCodeCharset.ToArray(), options.UserCodeLength));
                }
                while (await tokens.FindByReferenceIdAsync(code) is not null);
                return code;
            }

            return Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        }
    }
}
