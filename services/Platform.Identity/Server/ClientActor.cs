using OpenIddict.Server;
using Platform.ServiceDefaults;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Platform.Identity.Server;

/// <summary>
/// Names the client of a token or revocation request as the actor of the events the request appends
/// (issued tokens, redeemed codes, a replayed refresh token's family revoked, a revocation). The request is
/// validated before anything is appended, so the client named here is the one that authenticated.
/// </summary>
public sealed class ClientActor : IOpenIddictServerHandler<ValidateTokenRequestContext>, IOpenIddictServerHandler<ValidateRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor TokenRequest { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
            .UseSingletonHandler<ClientActor>()
            .SetOrder(int.MinValue + 100)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public static OpenIddictServerHandlerDescriptor RevocationRequest { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateRevocationRequestContext>()
            .UseSingletonHandler<ClientActor>()
            .SetOrder(int.MinValue + 100)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        EventActor.Name(EventActor.ClientKind, context.ClientId);
        return default;
    }

    public ValueTask HandleAsync(ValidateRevocationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        EventActor.Name(EventActor.ClientKind, context.ClientId);
        return default;
    }
}
