using Platform.Contracts.Events;

namespace Platform.Projection.ReadModel;

/// <summary>What the projection knows of a user: the name introspection reports, and whether their tokens still count.</summary>
public sealed record UserView : IView
{
    public required string Id { get; init; }
    public string? UserName { get; init; }
    public bool Enabled { get; init; } = true;

    /// <summary>Stream version of the last applied enable or disable: a user can go back and forth, so older ones are ignored.</summary>
    public long EnablementVersion { get; init; }

    public long LastSequence { get; init; }
}

/// <summary>The projection's rules for users: pure, order-insensitive by stream version.</summary>
public static class UserEvolution
{
    public static UserView Apply(UserView? current, object @event, long streamVersion, long sequence)
    {
        var view = @event switch
        {
            UserRegistered registered => (current ?? New(registered.UserId)) with { UserName = registered.UserName },
            UserDisabled disabled => Enablement(current ?? New(disabled.UserId), streamVersion, enabled: false),
            UserEnabled enabled => Enablement(current ?? New(enabled.UserId), streamVersion, enabled: true),
            _ => throw new ArgumentException($"{@event.GetType().Name} is not a user event the projection keeps.", nameof(@event)),
        };
        return view with { LastSequence = Math.Max(view.LastSequence, sequence) };
    }

    private static UserView New(string id) => new() { Id = id };

    private static UserView Enablement(UserView current, long version, bool enabled) =>
        version > current.EnablementVersion
            ? current with { Enabled = enabled, EnablementVersion = version }
            : current;
}
