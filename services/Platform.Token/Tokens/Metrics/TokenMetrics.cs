using System.Diagnostics.Metrics;
using Platform.Contracts.Events;
using Platform.ServiceDefaults;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Token.Tokens.Metrics;

/// <summary>
/// The token service's answers, counted: <c>platform.tokens.issued</c> (token endpoint, every grant but
/// refresh_token, by <c>oauth.grant_type</c>), <c>platform.tokens.refreshed</c> (token endpoint, refresh_token grant)
/// and <c>platform.tokens.revoked</c> (revocation endpoint, by the revoked token's <c>platform.token.kind</c>), each
/// by <c>platform.result</c>: <c>success</c> or the OAuth error code the client received. Tags come from fixed sets:
/// a grant type or token kind this service does not know is <c>other</c>, so nothing a client sends becomes a tag.
/// </summary>
public sealed class TokenMetrics
{
    public const string Success = "success";
    public const string Other = "other";
    public const string Unknown = "unknown";

    private static readonly HashSet<string> GrantTypeNames =
    [
        GrantTypes.AuthorizationCode, GrantTypes.ClientCredentials, GrantTypes.DeviceCode, GrantTypes.Implicit,
        GrantTypes.Password, GrantTypes.RefreshToken, GrantTypes.TokenExchange,
    ];

    private static readonly HashSet<string> TokenKindNames =
    [
        TokenKinds.AccessToken, TokenKinds.RefreshToken, TokenKinds.IdToken, TokenKinds.AuthorizationCode, TokenKinds.DeviceCode, TokenKinds.UserCode,
    ];

    private static readonly HashSet<string> ErrorNames =
    [
        Errors.AccessDenied, Errors.AuthorizationPending, Errors.ExpiredToken, Errors.InvalidClient, Errors.InvalidGrant,
        Errors.InvalidRequest, Errors.InvalidScope, Errors.InvalidToken, Errors.InvalidTarget, Errors.ServerError, Errors.SlowDown,
        Errors.TemporarilyUnavailable, Errors.UnauthorizedClient, Errors.UnsupportedGrantType, Errors.UnsupportedTokenType,
    ];

    private readonly Counter<long> issued;
    private readonly Counter<long> refreshed;
    private readonly Counter<long> revoked;

    public TokenMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PlatformMeters.Tokens);
        issued = meter.CreateCounter<long>("platform.tokens.issued", unit: "{request}",
            description: "Token endpoint answers to every grant type but refresh_token, by grant type and result.");
        refreshed = meter.CreateCounter<long>("platform.tokens.refreshed", unit: "{request}",
            description: "Token endpoint answers to the refresh_token grant, by result.");
        revoked = meter.CreateCounter<long>("platform.tokens.revoked", unit: "{request}",
            description: "Revocation endpoint answers, by the kind of the presented token and result.");
    }

    /// <summary>One answer of the token endpoint to a request of <paramref name="grantType"/>.</summary>
    public void TokenAnswered(string? grantType, string? error)
    {
        var result = new KeyValuePair<string, object?>("platform.result", Result(error));
        if (grantType == GrantTypes.RefreshToken)
        {
            refreshed.Add(1, result);
        }
        else
        {
            issued.Add(1, new KeyValuePair<string, object?>("oauth.grant_type", OneOf(GrantTypeNames, grantType)), result);
        }
    }

    /// <summary>One answer of the revocation endpoint; <paramref name="kind"/> is null when the token was not resolved.</summary>
    public void RevocationAnswered(string? kind, string? error) =>
        revoked.Add(1,
            new KeyValuePair<string, object?>("platform.token.kind", kind is null ? Unknown : OneOf(TokenKindNames, kind)),
            new KeyValuePair<string, object?>("platform.result", Result(error)));

    private static string Result(string? error) => string.IsNullOrEmpty(error) ? Success : OneOf(ErrorNames, error);

    private static string OneOf(HashSet<string> known, string? value) =>
        value is not null && known.Contains(value) ? value : value is null ? Unknown : Other;
}
