using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Profile.Account;

/// <summary>
/// What each scope lets an application do, in the words the consent page used when the user agreed
/// (the authorization service's <c>ScopeWords</c>): the standard scopes' words, else the scope's display name.
/// </summary>
public sealed class ScopeDescriptions(IOpenIddictScopeManager scopes)
{
    private static readonly Dictionary<string, string> Standard = new(StringComparer.Ordinal)
    {
        [Scopes.OpenId] = "Sign you in",
        [Scopes.Profile] = "See your name",
        [Scopes.Email] = "See your e-mail address",
        [Scopes.OfflineAccess] = "Stay signed in when you are away",
    };

    private readonly Dictionary<string, string> known = new(Standard, StringComparer.Ordinal);

    public async Task<string> DescribeAsync(string name, CancellationToken cancellationToken)
    {
        if (known.TryGetValue(name, out var words))
        {
            return words;
        }

        var scope = await scopes.FindByNameAsync(name, cancellationToken);
        var displayName = scope is null ? null : await scopes.GetLocalizedDisplayNameAsync(scope, cancellationToken);
        return known[name] = string.IsNullOrWhiteSpace(displayName) ? name : displayName;
    }
}
