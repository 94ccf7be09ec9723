using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers.Protection;

namespace Platform.Token.Tokens.Issuing;

/// <summary>
/// The format of a client's access tokens. Opaque reference tokens by default: a resource server must introspect,
/// so a revocation takes effect at once. A client whose setting <see cref="SettingName"/> is <see cref="Jwt"/> gets
/// RFC 9068 JWT access tokens instead (<c>typ</c> <c>at+jwt</c>, signed with the key the JWKS publishes, not
/// encrypted), which its resource servers verify offline, accepting that a revoked token stays valid until it expires.
/// </summary>
public sealed class AccessTokenFormat(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<GenerateTokenContext>
{
    /// <summary>The OpenIddict application setting that chooses the format.</summary>
    public const string SettingName = "platform:access_token_format";

    public const string Jwt = "jwt";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseScopedHandler<AccessTokenFormat>()
            // After OpenIddict chose the credentials (it would encrypt access tokens), before the token is written, and
            // before UseActiveKeys, which signs a token that is no longer a reference with the published RSA key.
            .SetOrder(AttachSecurityCredentials.Descriptor.Order + 400)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public static bool IsJwt(IReadOnlyDictionary<string, string> settings) =>
        settings.TryGetValue(SettingName, out var format) && string.Equals(format, Jwt, StringComparison.OrdinalIgnoreCase);

    public async ValueTask HandleAsync(GenerateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        if (context.TokenType != OpenIddictConstants.TokenTypeIdentifiers.AccessToken || string.IsNullOrEmpty(context.ClientId)
            || await applications.FindByClientIdAsync(context.ClientId) is not { } application
            || !IsJwt(await applications.GetSettingsAsync(application)))
        {
            return;
        }

        context.IsReferenceToken = false;
        context.PersistTokenPayload = false;
        context.EncryptionCredentials = null;
    }
}
