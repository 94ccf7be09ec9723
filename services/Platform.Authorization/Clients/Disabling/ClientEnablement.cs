using Platform.Contracts.Events;
using Platform.Identity.Clients;

namespace Platform.Authorization.Clients.Disabling;

/// <summary>
/// Disabling and enabling a client, as pure functions. Disabling twice or enabling an enabled client records
/// nothing. The tokens a disable revokes stay revoked when the client is enabled again: re-enabling lets the
/// client get new tokens, it does not bring back credentials an operator meant to cut off.
/// </summary>
public static class ClientEnablement
{
    public const int MaxReasonLength = 500;

    public static (ClientDisabled? Disabled, IReadOnlyDictionary<string, string[]>? Errors) Disable(Client client, string? reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (reason is { Length: > MaxReasonLength })
        {
            return (null, new Dictionary<string, string[]> { ["reason"] = [$"A reason is at most {MaxReasonLength} characters."] });
        }

        return (client.Enabled ? new ClientDisabled(client.Id!, reason, now) : null, null);
    }

    public static ClientEnabled? Enable(Client client, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.Enabled ? null : new ClientEnabled(client.Id!, now);
    }
}
