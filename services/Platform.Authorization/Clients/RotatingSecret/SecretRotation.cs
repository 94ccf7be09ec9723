using Platform.Contracts.Events;
using Platform.Identity.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Clients.RotatingSecret;

/// <summary>
/// <c>POST /admin/clients/{clientId}/secret</c> as a pure function. The new secret replaces the old at once,
/// unless the operator asks for an overlap: then the old one keeps working until the rotation's time plus the
/// overlap. The end of the overlap is in the rotation event itself (<see cref="ClientSecretRotated.PreviousSecretValidUntil"/>),
/// so no later event, timer or process is needed to end it, and a replay ends it at the same moment.
/// </summary>
public static class SecretRotation
{
    /// <summary>The longest overlap (30 days): long enough to roll a deployment, short enough that two secrets do not become the norm.</summary>
    public const int MaxOverlapSeconds = 30 * 24 * 3600;

    public static (ClientSecretRotated? Rotated, IReadOnlyDictionary<string, string[]>? Errors) Rotate(
        Client client, string newSecretHash, int? overlapSeconds, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.ClientType == ClientTypes.Public || client.ClientSecret is null)
        {
            return (null, new Dictionary<string, string[]> { ["clientId"] = ["A public client has no secret to rotate."] });
        }

        if (overlapSeconds is < 0 or > MaxOverlapSeconds)
        {
            return (null, new Dictionary<string, string[]> { ["overlapSeconds"] = [$"An overlap is 0 to {MaxOverlapSeconds} seconds (30 days)."] });
        }

        var until = overlapSeconds is > 0 ? now.AddSeconds(overlapSeconds.Value) : (DateTimeOffset?)null;
        return (new ClientSecretRotated(client.Id!, newSecretHash, now, until), null);
    }
}
