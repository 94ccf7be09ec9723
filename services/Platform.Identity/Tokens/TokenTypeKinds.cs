using Platform.Contracts.Events;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Tokens;

/// <summary>
/// Maps OpenIddict token types (URNs such as <c>urn:ietf:params:oauth:token-type:access_token</c>) to the short
/// kinds the events carry (<see cref="Contracts.Events.TokenKinds"/>) and back. Unknown types pass through as
/// they are, so the mapping never loses a value.
/// </summary>
public static class TokenTypeKinds
{
    private static readonly (string Type, string Kind)[] Known =
    [
        (TokenTypeIdentifiers.AccessToken, TokenKinds.AccessToken),
        (TokenTypeIdentifiers.Private.AuthorizationCode, TokenKinds.AuthorizationCode),
        (TokenTypeIdentifiers.RefreshToken, TokenKinds.RefreshToken),
        (TokenTypeIdentifiers.IdentityToken, TokenKinds.IdToken),
        (TokenTypeIdentifiers.Private.DeviceCode, TokenKinds.DeviceCode),
        (TokenTypeIdentifiers.Private.UserCode, TokenKinds.UserCode),
    ];

    public static string ToKind(string? type)
    {
        foreach (var (knownType, kind) in Known)
        {
            if (string.Equals(type, knownType, StringComparison.Ordinal))
            {
                return kind;
            }
        }

        return type ?? "";
    }

    public static string? ToType(string kind)
    {
        foreach (var (type, knownKind) in Known)
        {
            if (string.Equals(kind, knownKind, StringComparison.Ordinal))
            {
                return type;
            }
        }

        return kind.Length == 0 ? null : kind;
    }
}
