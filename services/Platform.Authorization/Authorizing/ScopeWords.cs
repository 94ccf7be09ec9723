using System.Collections.Immutable;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Authorizing;

/// <summary>What each scope lets an application do, in the words a person reads on the consent page.</summary>
public static class ScopeWords
{
    public static IReadOnlyDictionary<string, string> Standard { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Scopes.OpenId] = "Sign you in",
        [Scopes.Profile] = "See your name",
        [Scopes.Email] = "See your e-mail address",
        [Scopes.OfflineAccess] = "Stay signed in when you are away",
    };

    /// <summary>One line per requested scope: the standard words, else the scope's display name, else its name.</summary>
    public static async Task<IReadOnlyList<(string Scope, string Words)>> DescribeAsync(
        IOpenIddictScopeManager scopes, ImmutableArray<string> requested, CancellationToken cancellationToken)
    {
        var lines = new List<(string, string)>();
        foreach (var name in requested)
        {
            if (Standard.TryGetValue(name, out var words))
            {
                lines.Add((name, words));
                continue;
            }

            var scope = await scopes.FindByNameAsync(name, cancellationToken);
            var displayName = scope is null ? null : await scopes.GetLocalizedDisplayNameAsync(scope, cancellationToken);
            lines.Add((name, string.IsNullOrWhiteSpace(displayName) ? name : displayName));
        }

        return lines;
    }
}
