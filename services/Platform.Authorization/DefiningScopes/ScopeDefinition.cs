using System.Text.Json;
using System.Text.RegularExpressions;
using OpenIddict.Abstractions;
using Platform.Identity.Admin;
using Platform.Identity.Scopes;

namespace Platform.Authorization.DefiningScopes;

/// <summary>A scope as the admin API shows it: what clients ask for, and the resources (audiences) its tokens are for.</summary>
public sealed record ScopeDetails(string Name, string? DisplayName, string? Description, IReadOnlyList<string> Resources)
{
    public static ScopeDetails From(Scope scope) => new(scope.Name ?? "", scope.DisplayName, scope.Description, [.. scope.Resources]);
}

/// <summary>The body of <c>POST /admin/scopes</c>.</summary>
public sealed record DefineScope(string Name, string? DisplayName, string? Description, IReadOnlyList<string>? Resources);

/// <summary>
/// The rules for a new scope, as a pure function. A scope value is what RFC 6749 §3.3 allows (printable ASCII
/// without space, <c>"</c> or <c>\</c>); a resource is what appears as <c>aud</c> in the tokens the scope is
/// granted in, so it has no spaces either.
/// </summary>
public static partial class ScopeDefinition
{
    public static (OpenIddictScopeDescriptor? Descriptor, IReadOnlyDictionary<string, string[]>? Errors) Decide(JsonElement body)
    {
        var fields = new AdminFields(body).OnlyKnown("name", "displayName", "description", "resources");
        var name = fields.Text("name");
        var displayName = fields.Text("displayName");
        var description = fields.Text("description");
        var resources = fields.TextList("resources") ?? [];
        if (!fields.Errors.ContainsKey("name") && (name is null || !ScopeValue().IsMatch(name)))
        {
            fields.Errors["name"] = ["A scope name is 1 to 200 printable ASCII characters without spaces, '\"' or '\\' (RFC 6749 §3.3)."];
        }

        if (resources.FirstOrDefault(resource => !ResourceValue().IsMatch(resource)) is { } bad)
        {
            fields.Errors["resources"] = [$"'{bad}' is not a resource: an audience is 1 to 200 characters without spaces (a name such as orders-api, or a URI)."];
        }

        if (displayName is { Length: > 200 })
        {
            fields.Errors["displayName"] = ["A display name is at most 200 characters."];
        }

        if (description is { Length: > 1000 })
        {
            fields.Errors["description"] = ["A description is at most 1000 characters."];
        }

        if (fields.Errors.Count > 0)
        {
            return (null, fields.Errors);
        }

        var descriptor = new OpenIddictScopeDescriptor { Name = name, DisplayName = displayName, Description = description };
        descriptor.Resources.UnionWith(resources);
        return (descriptor, null);
    }

    [GeneratedRegex(@"^[\x21\x23-\x5B\x5D-\x7E]{1,200}$")]
    private static partial Regex ScopeValue();

    [GeneratedRegex(@"^\S{1,200}$")]
    private static partial Regex ResourceValue();
}
