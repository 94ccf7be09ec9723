using OpenIddict.Server;
using Platform.Identity.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Platform.Identity.Server;

/// <summary>
/// One answer for an unknown client and a wrong secret. OpenIddict says "The specified 'client_id' is invalid."
/// (ID2052) for the first and "The specified client credentials are invalid." (ID2055) for the second, which
/// tells a caller which client ids exist (RFC 6749 §5.2 asks only for <c>invalid_client</c>). Both now get the
/// second description and its error URI, at every endpoint that authenticates clients. An unknown client's secret
/// is checked against a stand-in hash, so that both answers cost the same work (the look-up itself is cached for
/// both: <see cref="ClientStore.FindByClientIdAsync"/>).
/// </summary>
public sealed class UniformClientErrors : IOpenIddictServerHandler<ProcessErrorContext>
{
    public const string Description = "The specified client credentials are invalid.";
    public const string ErrorUri = "https://documentation.openiddict.com/errors/ID2055";

    /// <summary>The hash of a secret nobody has, in the stored form, for the unknown client's secret check.</summary>
    private static readonly string StandInHash = ClientSecrets.Hash(ClientSecrets.Generate());

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessErrorContext>()
            .UseSingletonHandler<UniformClientErrors>()
            .SetOrder(int.MinValue + 100)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessErrorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Error == Errors.InvalidClient && context.ErrorUri?.EndsWith("/ID2052", StringComparison.Ordinal) == true)
        {
            _ = ClientSecrets.Verify(context.Request?.ClientSecret, StandInHash);
            context.ErrorDescription = Description;
            context.ErrorUri = ErrorUri;
        }

        return default;
    }
}
