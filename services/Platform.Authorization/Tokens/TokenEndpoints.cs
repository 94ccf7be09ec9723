using OpenIddict.Abstractions;
using Platform.Contracts.Events;
using Platform.Identity.Admin;
using Platform.Identity.Tokens;

namespace Platform.Authorization.Tokens;

/// <summary><c>POST /admin/tokens/{tokenId}/revoke</c>: an operator revokes one token by its id (its <c>jti</c>).</summary>
public static class TokenEndpoints
{
    public static WebApplication MapTokenAdministration(this WebApplication app)
    {
        var tokens = app.MapAdminGroup("/admin/tokens").WithTags("Tokens");
        tokens.MapPost("/{tokenId}/revoke", RevokeAsync).WithSummary("Revoke one token (TokenRevoked, reason admin); revoking twice is harmless.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404);
        return app;
    }

    private static async Task<IResult> RevokeAsync(string tokenId, IOpenIddictTokenManager tokens, CancellationToken cancellationToken)
    {
        if (await tokens.FindByIdAsync(tokenId, cancellationToken) is not { } token)
        {
            return AdminApi.NotFound("token", tokenId);
        }

        using (RevocationReason.Use(RevocationReasons.Admin))
        {
            if (!await tokens.TryRevokeAsync(token, cancellationToken)
                && await tokens.FindByIdAsync(tokenId, cancellationToken) is { } moved
                && !await tokens.HasStatusAsync(moved, OpenIddictConstants.Statuses.Revoked, cancellationToken))
            {
                // It moved between the read and the write (redeemed, say): decide again from its new state.
                await tokens.TryRevokeAsync(moved, cancellationToken);
            }
        }

        return Results.NoContent();
    }
}
