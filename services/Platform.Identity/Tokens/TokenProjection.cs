using Marten.Events.Aggregation;
using Platform.Contracts.Events;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Tokens;

/// <summary>Keeps the <see cref="Token"/> document of each token stream, inline with the append.</summary>
public partial class TokenProjection : SingleStreamProjection<Token, string>
{
    public Token Create(TokenIssued e) => new()
    {
        Id = e.TokenId,
        Type = TokenTypeKinds.ToType(e.Kind),
        ApplicationId = e.ApplicationId,
        ClientId = e.ClientId,
        AuthorizationId = e.GrantId,
        Subject = e.Subject,
        Scopes = [.. e.Scopes],
        Audiences = [.. e.Audiences],
        Presenters = [.. e.Presenters],
        CreationDate = e.IssuedAt,
        ExpirationDate = e.ExpiresAt,
        ParentTokenId = e.ParentTokenId,
        ReferenceId = e.ReferenceIdHash,
        Status = e.Status,
        Properties = new(e.Properties),
    };

    public void Apply(TokenUpdated e, Token token)
    {
        token.Type = TokenTypeKinds.ToType(e.Kind);
        token.ApplicationId = e.ApplicationId;
        token.ClientId = e.ClientId;
        token.AuthorizationId = e.GrantId;
        token.Subject = e.Subject;
        token.Scopes = [.. e.Scopes];
        token.Audiences = [.. e.Audiences];
        token.Presenters = [.. e.Presenters];
        token.CreationDate = e.IssuedAt;
        token.ParentTokenId = e.ParentTokenId;
        token.Properties = new(e.Properties);
    }

    public void Apply(TokenReferenceAttached e, Token token) => token.ReferenceId = e.ReferenceIdHash;

    public void Apply(TokenExpirationChanged e, Token token) => token.ExpirationDate = e.ExpiresAt;

    public void Apply(TokenStatusChanged e, Token token) => token.Status = e.Status;

    public void Apply(TokenRedeemed e, Token token)
    {
        token.Status = Statuses.Redeemed;
        token.RedemptionDate = e.RedeemedAt;
    }

    public void Apply(TokenRevoked e, Token token) => token.Status = Statuses.Revoked;

    public bool ShouldDelete(TokenPruned e) => true;
}
