using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Validation;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers.Protection;

namespace Platform.Identity.Keys;

/// <summary>
/// Loads the keys before the service takes requests, then follows the schedule: every check interval it
/// applies <see cref="KeySchedule"/> and, when the keys changed, OpenIddict's options are rebuilt.
/// </summary>
public sealed class KeyRotation(KeyRing keyRing, ILogger<KeyRotation> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await keyRing.GetAsync().WaitAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(keyRing.Policy.CheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var keys = await keyRing.RefreshAsync(stoppingToken);
                logger.LogDebug("Keys checked; signing with {SigningKeyId}", keys.Signing.KeyId);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The keys in memory stay valid; the next tick tries again.
                logger.LogWarning(exception, "Key rotation check failed");
            }
        }
    }
}

/// <summary>Puts the ring's keys into OpenIddict's options, and rebuilds them when the ring changes.</summary>
public sealed class SharedKeysOptions(KeyRing keyRing) :
    IConfigureOptions<OpenIddictServerOptions>,
    IOptionsChangeTokenSource<OpenIddictServerOptions>,
    IOptionsChangeTokenSource<OpenIddictValidationOptions>
{
    public string? Name => Options.DefaultName;

    public void Configure(OpenIddictServerOptions options)
    {
        // Options are built when first needed; KeyRotation has loaded the keys before requests are taken.
        var keys = keyRing.GetAsync().GetAwaiter().GetResult();
        foreach (var key in keys.PublishedSigningKeys)
        {
            options.SigningCredentials.Add(new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
        }

        foreach (var key in keys.EncryptionKeys)
        {
            options.EncryptionCredentials.Add(new EncryptingCredentials(key, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
            // Symmetric: OpenIddict never publishes it, and never signs an identity token with it.
            options.SigningCredentials.Add(new SigningCredentials(StoredPayloadSigning.KeyFor(key), SecurityAlgorithms.HmacSha256));
        }
    }

    public IChangeToken GetChangeToken() => keyRing.GetChangeToken();
}

/// <summary>
/// OpenIddict protects a new token with the first credentials of its lists, and sorts RSA keys as equals; this
/// names the active keys explicitly, so a published next key is never used before its time. A reference token's
/// payload, which never leaves the store, is signed with the HMAC key of the active encryption key
/// (<see cref="StoredPayloadSigning"/>); every token a client or resource server reads (identity tokens, JWT access
/// tokens) with the active RSA key. Handlers that turn a reference token into a self-contained one must run before.
/// </summary>
public sealed class UseActiveKeys(KeyRing keyRing) : IOpenIddictServerHandler<GenerateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseSingletonHandler<UseActiveKeys>()
            .SetOrder(AttachSecurityCredentials.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(GenerateTokenContext context)
    {
        var keys = await keyRing.GetAsync();
        var signingKeyId = context.IsReferenceToken ? StoredPayloadSigning.KeyIdFor(keys.Encryption) : keys.Signing.KeyId;
        context.SigningCredentials = context.Options.SigningCredentials.FirstOrDefault(c => c.Key.KeyId == signingKeyId)
            ?? (context.IsReferenceToken
                ? context.SigningCredentials
                : context.Options.SigningCredentials.First(c => c.Key is AsymmetricSecurityKey));
        if (context.EncryptionCredentials is not null)
        {
            context.EncryptionCredentials = context.Options.EncryptionCredentials.FirstOrDefault(c => c.Key.KeyId == keys.Encryption.KeyId)
                ?? context.EncryptionCredentials;
        }
    }
}
