using Platform.Contracts.Events;

namespace Platform.Projection.ReadModel;

/// <summary>What the projection knows of a client: to authenticate introspection callers and to cascade a disabled client to its tokens.</summary>
public sealed record ClientView : IView
{
    public required string Id { get; init; }
    public string? ClientId { get; init; }
    public string? SecretHash { get; init; }
    public IReadOnlyList<string> Permissions { get; init; } = [];
    public bool Enabled { get; init; } = true;
    public bool Deleted { get; init; }

    /// <summary>Stream version of the last applied registration or update, so an older one never overwrites a newer one.</summary>
    public long RegistrationVersion { get; init; }

    /// <summary>Stream version of the last applied enable or disable.</summary>
    public long EnablementVersion { get; init; }

    public long SecretVersion { get; init; }
    public long LastSequence { get; init; }
}

/// <summary>
/// The projection's rules for clients. A client's events can change it back and forth (disable, enable),
/// so each facet keeps the stream version it was last set from and ignores anything older.
/// </summary>
public static class ClientEvolution
{
    public static ClientView Apply(ClientView? current, object @event, long streamVersion, long sequence)
    {
        var view = @event switch
        {
            ClientRegistered registered => Secret(
                Registration(current ?? New(registered.ApplicationId), streamVersion, registered.ClientId, registered.Permissions),
                streamVersion, registered.SecretHash),
            ClientUpdated updated => Registration(current ?? New(updated.ApplicationId), streamVersion, updated.ClientId, updated.Permissions),
            ClientSecretRotated rotated => Secret(current ?? New(rotated.ApplicationId), streamVersion, rotated.SecretHash),
            ClientDisabled disabled => Enablement(current ?? New(disabled.ApplicationId), streamVersion, enabled: false),
            ClientEnabled enabled => Enablement(current ?? New(enabled.ApplicationId), streamVersion, enabled: true),
            ClientDeleted deleted => (current ?? New(deleted.ApplicationId)) with { Deleted = true },
            _ => throw new ArgumentException($"{@event.GetType().Name} is not a client event.", nameof(@event)),
        };
        return view with { LastSequence = Math.Max(view.LastSequence, sequence) };
    }

    private static ClientView New(string id) => new() { Id = id };

    private static ClientView Secret(ClientView current, long version, string? secretHash) =>
        secretHash is not null && version > current.SecretVersion
            ? current with { SecretHash = secretHash, SecretVersion = version }
            : current;

    private static ClientView Registration(ClientView current, long version, string clientId, IReadOnlyList<string> permissions) =>
        version > current.RegistrationVersion
            ? current with { ClientId = clientId, Permissions = permissions, RegistrationVersion = version }
            : current;

    private static ClientView Enablement(ClientView current, long version, bool enabled) =>
        version > current.EnablementVersion
            ? current with { Enabled = enabled, EnablementVersion = version }
            : current;
}
