using OpenIddict.Abstractions;
using OpenIddict.Server;
using Platform.Identity.Tokens;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Platform.Token.Tokens.Metrics;

/// <summary>Counts each token endpoint answer before OpenIddict writes it (<see cref="TokenMetrics"/>).</summary>
public sealed class CountTokenAnswers(TokenMetrics metrics) : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<CountTokenAnswers>()
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        metrics.TokenAnswered(context.Request?.GrantType, context.Error ?? context.Response.Error);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Notes the kind of the token a revocation request resolved, for <see cref="CountRevocationAnswers"/>.</summary>
public sealed class NoteRevokedKind : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    internal const string Property = "platform:revoked_token_kind";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseSingletonHandler<NoteRevokedKind>()
            // Once OpenIddict attached the principal of the presented token.
            .SetOrder(OpenIddictServerHandlers.Revocation.AttachPrincipal.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.GenericTokenPrincipal?.GetTokenType() is { } type)
        {
            context.Transaction.SetProperty(Property, TokenTypeKinds.ToKind(type));
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Counts each revocation endpoint answer before OpenIddict writes it (<see cref="TokenMetrics"/>).</summary>
public sealed class CountRevocationAnswers(TokenMetrics metrics) : IOpenIddictServerHandler<ApplyRevocationResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyRevocationResponseContext>()
            .UseSingletonHandler<CountRevocationAnswers>()
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ApplyRevocationResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        metrics.RevocationAnswered(context.Transaction.GetProperty<string>(NoteRevokedKind.Property), context.Error ?? context.Response.Error);
        return ValueTask.CompletedTask;
    }
}
