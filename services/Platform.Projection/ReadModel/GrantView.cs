using Platform.Contracts.Events;

namespace Platform.Projection.ReadModel;

/// <summary>What the projection knows of a grant: enough to cascade its revocation to every token issued under it.</summary>
public sealed record GrantView : IView
{
    public required string Id { get; init; }
    public string? ApplicationId { get; init; }
    public string? Subject { get; init; }
    public GrantState State { get; init; } = GrantState.Unknown;

    /// <summary>Stream version of the last applied approval or update, so older details never overwrite newer ones.</summary>
    public long DetailsVersion { get; init; }

    public long LastSequence { get; init; }
}

/// <summary>Grant states ordered by how final they are; a grant only moves forward (revoked is final).</summary>
public enum GrantState
{
    Unknown = 0,
    Valid = 1,
    Revoked = 2,
    Pruned = 3,
}

/// <summary>The projection's rules for grants: pure, order-insensitive.</summary>
public static class GrantEvolution
{
    public static GrantView Apply(GrantView? current, object @event, long streamVersion, long sequence)
    {
        var view = @event switch
        {
            GrantApproved approved => MoveTo(Details(current ?? New(approved.GrantId), streamVersion, approved.ApplicationId, approved.Subject), GrantState.Valid),
            GrantUpdated updated => MoveTo(
                Details(current ?? New(updated.GrantId), streamVersion, updated.ApplicationId, updated.Subject),
                string.Equals(updated.Status, "revoked", StringComparison.OrdinalIgnoreCase) ? GrantState.Revoked : GrantState.Valid),
            GrantRevoked revoked => MoveTo(current ?? New(revoked.GrantId), GrantState.Revoked),
            GrantPruned pruned => MoveTo(current ?? New(pruned.GrantId), GrantState.Pruned),
            _ => throw new ArgumentException($"{@event.GetType().Name} is not a grant event.", nameof(@event)),
        };
        return view with { LastSequence = Math.Max(view.LastSequence, sequence) };
    }

    private static GrantView New(string id) => new() { Id = id };

    private static GrantView Details(GrantView current, long version, string? applicationId, string? subject) =>
        version > current.DetailsVersion
            ? current with { ApplicationId = applicationId, Subject = subject, DetailsVersion = version }
            : current;

    private static GrantView MoveTo(GrantView current, GrantState state) =>
        state > current.State ? current with { State = state } : current;
}
